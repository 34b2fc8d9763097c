"""Reading query parameters strictly: `?limit=` (empty) is an error, not "use the default"."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request


def parse_query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    """The validated query parameters, or a ValidationError (400) naming each bad one.

    DRF reads a QueryDict like an HTML form, where an empty value means "not given"; a plain
    dict makes an empty value what it is in an API call: a value, checked like any other.
    """
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)
