"""Reading inside JSON values: `order.total`, `items[0]`, `name[1:3]`.

Only dict keys, list/str positions and slices can be read; nothing reaches Python attributes.
A missing key or position is a MissingValueError so `coalesce()` can step over it.
"""

from __future__ import annotations

from typing import Any

from engine.expressions.errors import ExpressionError, MissingValueError
from engine.expressions.values import LIST_TYPES, is_mapping, type_name


def read_key(container: Any, key: str, where: str, column: int) -> Any:
    """`where.key`; `where` is the source text of the container, for the message."""
    if is_mapping(container):
        try:
            return container[key]
        except KeyError:
            raise MissingValueError(f"missing key '{key}' in '{where}'", column=column) from None
    raise _not_readable(f"cannot read '{key}' from '{where}'", container, "a dict", column)


def _not_readable(problem: str, container: Any, wanted: str, column: int) -> ExpressionError:
    message = f"{problem}: it is {_a(container)}, not {wanted}"
    # A null parent is "missing" for coalesce(order.total, 0).
    error_type = MissingValueError if container is None else ExpressionError
    return error_type(message, column=column)


def read_index(container: Any, key: Any, where: str, column: int) -> Any:
    if isinstance(container, str | list | tuple):
        if type(key) is not int:
            raise ExpressionError(f"index into '{where}' must be an int, not {type_name(key)}", column=column)
        try:
            return container[key]
        except IndexError:
            raise MissingValueError(
                f"index {key} is out of range for '{where}' (length {len(container)})", column=column
            ) from None
    if is_mapping(container):
        try:
            return container[key]
        except KeyError:
            raise MissingValueError(f"missing key {_shown_key(key)} in '{where}'", column=column) from None
        except TypeError:
            raise ExpressionError(f"a {type_name(key)} cannot be a key of '{where}'", column=column) from None
    raise _not_readable(f"cannot index '{where}'", container, "a list, str or dict", column)


def read_slice(container: Any, start: Any, stop: Any, where: str, column: int) -> Any:
    if not isinstance(container, str | list | tuple):
        raise _not_readable(f"cannot slice '{where}'", container, "a list or str", column)
    for bound in (start, stop):
        if bound is not None and type(bound) is not int:
            raise ExpressionError(
                f"slice bounds of '{where}' must be int, not {type_name(bound)}", column=column
            )
    part = container[start:stop]
    return list(part) if isinstance(part, LIST_TYPES) else part


def _a(value: Any) -> str:
    name = type_name(value)
    return name if value is None else f"an {name}" if name[0] in "aeiou" else f"a {name}"


def _shown_key(key: Any) -> str:
    return f"'{key}'" if type(key) is str else repr(key)
