"""Limit/offset paging with strict parameters: a bad `limit` is a 400 naming it, never ignored."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from engine.api.queries import parse_query

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    offset = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)


PAGE_PARAMETERS = [
    OpenApiParameter(
        "limit", OpenApiTypes.INT, description=f"Page size, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."
    ),
    OpenApiParameter("offset", OpenApiTypes.INT, description="How many items to skip (default 0)."),
]


def paginate(
    request: Request, queryset: QuerySet[Any], item_serializer: type[serializers.Serializer]
) -> dict[str, Any]:
    """{count, limit, offset, results} for one page of `queryset`; ValidationError for bad paging."""
    page = parse_query(PageQuery, request)
    limit, offset = page["limit"], page["offset"]
    items = queryset[offset : offset + limit]
    return {
        "count": queryset.count(),
        "limit": limit,
        "offset": offset,
        "results": item_serializer(items, many=True).data,
    }


def page_of(item_serializer: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The OpenAPI shape of a page of `item_serializer` items (named `name` in the schema)."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="Items matching the filters, on all pages."),
            "limit": serializers.IntegerField(),
            "offset": serializers.IntegerField(),
            "results": item_serializer(many=True),
        },
    )
