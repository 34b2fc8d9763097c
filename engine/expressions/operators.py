"""The meaning of each operator. Each function takes evaluated operands and returns a value or
raises ExpressionError naming the operand types; the parser adds the position."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_INTEGER_DIGITS
from engine.expressions.values import (
    LIST_TYPES,
    NUMBER_TYPES,
    check_size,
    checked_number,
    deep_size,
    is_mapping,
    type_name,
)

BinaryOperation = Callable[[Any, Any], Any]

#: An integer power whose result would have more bits than this is refused before computing it.
_MAX_POWER_BITS = int(MAX_INTEGER_DIGITS * 3.33) + 2


def _type_error(verb: str, left: Any, right: Any) -> ExpressionError:
    return ExpressionError(f"cannot {verb} {type_name(left)} and {type_name(right)}")


def add(left: Any, right: Any) -> Any:
    left_type, right_type = type(left), type(right)
    if left_type in NUMBER_TYPES and right_type in NUMBER_TYPES:
        return checked_number(left + right)
    if left_type is str and right_type is str:
        check_size(len(left) + len(right), "string")
        return left + right
    if isinstance(left, LIST_TYPES) and isinstance(right, LIST_TYPES):
        check_size(len(left) + len(right), "list")
        return [*left, *right]
    error = _type_error("add", left, right)
    if str in (left_type, right_type):
        error = ExpressionError(f"{error.message} (convert with str() first)")
    raise error


def subtract(left: Any, right: Any) -> Any:
    if type(left) in NUMBER_TYPES and type(right) in NUMBER_TYPES:
        return checked_number(left - right)
    raise _type_error("subtract", left, right)


def multiply(left: Any, right: Any) -> Any:
    left_type, right_type = type(left), type(right)
    if left_type in NUMBER_TYPES and right_type in NUMBER_TYPES:
        return checked_number(left * right)
    # Repetition: "ab" * 3, [0] * 3 (either order), size checked before it is built.
    if right_type is int and (left_type is str or isinstance(left, LIST_TYPES)):
        return _repeat(left, right)
    if left_type is int and (right_type is str or isinstance(right, LIST_TYPES)):
        return _repeat(right, left)
    raise _type_error("multiply", left, right)


def _repeat(sequence: Any, times: int) -> Any:
    if isinstance(sequence, str):
        check_size(len(sequence) * max(times, 0), "string")
        return sequence * times
    # Counted deeply: repeating a list of lists repeats everything inside (when stored).
    check_size(deep_size(sequence, "list") * max(times, 0), "list")
    return list(sequence) * times


def _numeric(verb: str, compute: BinaryOperation) -> BinaryOperation:
    def operation(left: Any, right: Any) -> Any:
        if type(left) not in NUMBER_TYPES or type(right) not in NUMBER_TYPES:
            raise _type_error(verb, left, right)
        try:
            return checked_number(compute(left, right))
        except ZeroDivisionError:
            raise ExpressionError("division by zero") from None
        except OverflowError:
            raise ExpressionError("number result is too large") from None

    operation.__name__ = verb
    return operation


divide = _numeric("divide", operator.truediv)
floor_divide = _numeric("divide", operator.floordiv)
modulo = _numeric("take the remainder of", operator.mod)


def _bounded_power(base: int | float, exponent: int | float) -> int | float:
    # Refused before computing: 10 ** 10 ** 9 would take minutes and gigabytes.
    whole = type(base) is int and type(exponent) is int
    if whole and exponent > 0 and (abs(base).bit_length() - 1) * exponent > _MAX_POWER_BITS:
        raise ExpressionError(f"integer result is too large (more than {MAX_INTEGER_DIGITS} digits)")
    result = base**exponent
    if isinstance(result, complex):
        raise ExpressionError("cannot raise a negative number to a fractional power")
    return result


power = _numeric("raise", _bounded_power)


def negate(value: Any) -> Any:
    if type(value) in NUMBER_TYPES:
        return -value
    raise ExpressionError(f"cannot negate {type_name(value)}")


def positive(value: Any) -> Any:
    if type(value) in NUMBER_TYPES:
        return value
    raise ExpressionError(f"cannot apply unary '+' to {type_name(value)}")


def _ordering(symbol: str, compare: BinaryOperation) -> BinaryOperation:
    def operation(left: Any, right: Any) -> bool:
        left_type, right_type = type(left), type(right)
        if (left_type in NUMBER_TYPES and right_type in NUMBER_TYPES) or left_type is right_type is str:
            return compare(left, right)
        message = f"cannot compare {type_name(left)} and {type_name(right)} with '{symbol}'"
        if str in (left_type, right_type) and (left_type in NUMBER_TYPES or right_type in NUMBER_TYPES):
            message += " (convert with int(), float() or str() first)"
        raise ExpressionError(message)

    return operation


def contains(container: Any, item: Any) -> bool:
    """`item in container`: a substring, a list element or a dict key."""
    if type(container) is str:
        if type(item) is not str:
            raise ExpressionError(
                f"'in' with a str on the right needs a str on the left, not {type_name(item)}"
            )
        return item in container
    if isinstance(container, LIST_TYPES):
        return item in container
    if is_mapping(container):
        try:
            return item in container
        except TypeError:  # a list or dict can never be a key
            return False
    raise ExpressionError(f"'in' needs a str, list or dict on the right, not {type_name(container)}")


def not_contains(container: Any, item: Any) -> bool:
    return not contains(container, item)


COMPARISONS: dict[str, BinaryOperation] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": _ordering("<", operator.lt),
    "<=": _ordering("<=", operator.le),
    ">": _ordering(">", operator.gt),
    ">=": _ordering(">=", operator.ge),
    # `a in b` reads "a is in b": the operands are swapped relative to contains().
    "in": lambda item, container: contains(container, item),
    "not in": lambda item, container: not_contains(container, item),
}

#: Python's own ordering, valid when both operands are int, both float or both str.
RAW_ORDERINGS: dict[str, BinaryOperation] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

ARITHMETIC: dict[str, BinaryOperation] = {
    "+": add,
    "-": subtract,
    "*": multiply,
    "/": divide,
    "//": floor_divide,
    "%": modulo,
    "**": power,
}

#: JUEL's word spellings, as Camunda users write them.
WORD_OPERATORS = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
    "and": "and",
    "or": "or",
    "&&": "and",
    "||": "or",
}
