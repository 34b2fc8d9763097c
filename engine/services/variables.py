"""Checking variables that come from outside: they must be a JSON object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.services.errors import InvalidVariables

_JSON_TYPE_NAMES = {
    list: "an array",
    tuple: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def check_variables(variables: object, *, what: str = "variables") -> dict[str, Any]:
    """A plain JSON copy of `variables` (None -> {}), or InvalidVariables saying what is wrong.

    The copy is what gets stored and hashed, so tuples become lists and nothing shared with
    the caller can change afterwards.
    """
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        kind = _JSON_TYPE_NAMES.get(type(variables), type(variables).__name__)
        raise InvalidVariables(f'{what} must be a JSON object such as {{"amount": 5}}, not {kind}')
    for name in variables:
        if not isinstance(name, str) or not name:
            raise InvalidVariables(f"{what}: every name must be a non-empty string, got {name!r}")
    try:
        return json.loads(json.dumps(variables, allow_nan=False))
    except (TypeError, ValueError) as error:
        raise InvalidVariables(f"{what} must contain only JSON values: {error}") from None
