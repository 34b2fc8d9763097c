"""What values are in the language: JSON data (null, bool, int, float, str, list, dict).

Variables come from JSON, so these are the only types an expression meets or makes. Every
result that could grow is checked here against the limits.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_INTEGER, MAX_INTEGER_DIGITS, MAX_RESULT_SIZE

#: Numbers for arithmetic and ordering. bool is deliberately absent: `true + 1` is a mistake.
NUMBER_TYPES = frozenset({int, float})
LIST_TYPES = (list, tuple)


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, LIST_TYPES):
        return "list"
    if isinstance(value, Mapping):
        return "dict"
    return type(value).__name__


def is_number(value: Any) -> bool:
    return type(value) in NUMBER_TYPES


def is_mapping(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def checked_number(value: int | float) -> int | float:
    """An arithmetic result, refused when it is an oversized integer or not a finite float."""
    if type(value) is int:
        if -MAX_INTEGER < value < MAX_INTEGER:
            return value
        raise ExpressionError(f"integer result is too large (more than {MAX_INTEGER_DIGITS} digits)")
    if math.isfinite(value):
        return value
    raise ExpressionError("number result is too large (not a finite number)")


def check_size(size: int, what: str) -> None:
    """Refuse, before building it, a string or list longer than the limit."""
    if size > MAX_RESULT_SIZE:
        raise ExpressionError(f"{what} would be too long ({size:,} > {MAX_RESULT_SIZE:,})")


def deep_size(value: Any, what: str, limit: int = MAX_RESULT_SIZE) -> int:
    """Characters plus elements of `value`, counting shared parts each time they occur.

    That is what writing the value out as JSON costs: `[[[1] * 1000] * 1000] * 1000` is cheap
    to build (the inner lists are shared) but a billion elements to store. Refused as soon as
    the count passes `limit`, so measuring never costs more than the limit itself.
    """
    if not isinstance(value, str | dict | list | tuple):
        return 1
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        total += len(item)
        if not isinstance(item, str):
            members = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            # Scalars inside are counted as elements above; strings and containers add their own.
            pending.extend(member for member in members if isinstance(member, str | dict | list | tuple))
        if total > limit:
            raise ExpressionError(f"{what} would be too large (more than {limit:,} characters and elements)")
    return total


def is_empty(value: Any) -> bool:
    """JUEL `empty`: null, "", [] and {} are empty; anything else (0 and false too) is not."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple) or is_mapping(value):
        return len(value) == 0
    return False


def to_text(value: Any) -> str:
    """How a value reads inside text: templates and str()."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, LIST_TYPES) or is_mapping(value):
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=_not_json)
        except (ValueError, RecursionError):
            raise ExpressionError(f"cannot turn this {type_name(value)} into text (not plain JSON)") from None
        check_size(len(text), "text")
        return text
    raise ExpressionError(f"cannot turn a {type_name(value)} into text")


def _not_json(value: Any) -> Any:
    raise ValueError(type_name(value))
