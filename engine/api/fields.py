"""Serializer fields shared by the API's inputs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine.services.errors import InvalidVariables
from engine.services.variables import check_variables


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": True,
        "description": "Process variables: a JSON object of names to JSON values.",
        "example": {"orderId": "A-1001", "total": 99.5},
    }
)
class VariablesField(serializers.Field):
    """A JSON object of variables, checked like the services check them (field-level 400 if not)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        try:
            return check_variables(data)
        except InvalidVariables as error:
            raise serializers.ValidationError(str(error)) from None

    def to_representation(self, value: Any) -> Any:
        return value


class Text(serializers.CharField):
    """A JSON string. DRF's CharField would turn 5 into "5"; an API client sending a number
    where the schema says string made a mistake, and should hear about it."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    """A JSON integer (not "5", not 5.0, not true)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class Flag(serializers.BooleanField):
    """A JSON boolean (not "yes", not 1)."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
