"""The functions an expression may call: a fixed allowlist, nothing reaches Python itself.

There is deliberately no clock (no now()): evaluation must give the same answer when the
engine replays an instance's history.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.expressions.errors import ExpressionError, MissingValueError
from engine.expressions.limits import (
    MAX_INTEGER_DIGITS,
    MAX_REGEX_INPUT_LENGTH,
    MAX_REGEX_LENGTH,
)
from engine.expressions.operators import COMPARISONS, contains
from engine.expressions.regex_guard import check_regex_is_safe
from engine.expressions.values import LIST_TYPES, NUMBER_TYPES, checked_number, is_mapping, to_text, type_name

Evaluator = Callable[[Mapping[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    call: Callable[..., Any]
    min_args: int
    max_args: int | None  # None: any number
    #: A lazy function gets the argument evaluators and the variables instead of values.
    lazy: bool = False

    def arity_problem(self, given: int) -> str | None:
        if self.min_args <= given and (self.max_args is None or given <= self.max_args):
            return None
        if self.max_args == self.min_args:
            wanted = f"{self.min_args} argument{'s' if self.min_args != 1 else ''}"
        elif self.max_args is None:
            wanted = f"at least {self.min_args} argument{'s' if self.min_args != 1 else ''}"
        else:
            wanted = f"{self.min_args} to {self.max_args} arguments"
        return f"{self.name}() takes {wanted} ({given} given)"


def _need(function: str, value: Any, *accepted: str) -> ExpressionError:
    wanted = accepted[0] if len(accepted) == 1 else f"{', '.join(accepted[:-1])} or {accepted[-1]}"
    return ExpressionError(f"{function}() needs {wanted}, not {type_name(value)}")


def _len(value: Any) -> int:
    if isinstance(value, str | list | tuple) or is_mapping(value):
        return len(value)
    raise _need("len", value, "a str", "a list", "a dict")


_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_FLOAT_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if type(value) is int:
        return value
    if type(value) is float:
        return int(_finite("int", value))  # truncates toward zero, like Python
    if type(value) is str:
        if (
            _INTEGER_TEXT.fullmatch(value)
            and len(value.strip().lstrip("+-").lstrip("0")) <= MAX_INTEGER_DIGITS
        ):
            return int(value)
        raise ExpressionError(f"cannot convert {_quote(value)} to int")
    raise _need("int", value, "a number", "a str")


def _float(value: Any) -> float:
    if isinstance(value, bool) or type(value) in NUMBER_TYPES:
        try:
            return float(value)
        except OverflowError:
            raise ExpressionError("int is too large for a float") from None
    if type(value) is str:
        if _FLOAT_TEXT.fullmatch(value):
            number = float(value)
            if number not in (float("inf"), float("-inf")):
                return number
        raise ExpressionError(f"cannot convert {_quote(value)} to float")
    raise _need("float", value, "a number", "a str")


def _finite(function: str, value: float) -> float:
    # Only reachable with variables parsed leniently (Python's json reads NaN and Infinity).
    if not math.isfinite(value):
        raise ExpressionError(f"{function}() needs a finite number, not {value!r}")
    return value


def _bool(value: Any) -> bool:
    # Form fields and CLI output arrive as text, where "false" must not read as true.
    if type(value) is str and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return bool(value)


def _abs(value: Any) -> int | float:
    if type(value) in NUMBER_TYPES:
        return abs(value)
    raise _need("abs", value, "a number")


def _extreme(name: str, keep_right: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def pick(*arguments: Any) -> Any:
        if len(arguments) == 1:
            if not isinstance(arguments[0], LIST_TYPES):
                raise ExpressionError(
                    f"{name}() needs a list or at least 2 arguments, not one {type_name(arguments[0])}"
                )
            arguments = tuple(arguments[0])
            if not arguments:
                raise ExpressionError(f"{name}() of an empty list")
        best = arguments[0]
        for candidate in arguments[1:]:
            if keep_right(candidate, best):
                best = candidate
        return best

    return pick


def _round(value: Any, digits: Any = None) -> int | float:
    if type(value) not in NUMBER_TYPES:
        raise _need("round", value, "a number")
    if type(value) is float:
        _finite("round", value)
    if digits is None:
        return round(value)
    if type(digits) is not int or not -MAX_INTEGER_DIGITS <= digits <= MAX_INTEGER_DIGITS:
        raise ExpressionError(
            f"round() needs a whole number of digits between -{MAX_INTEGER_DIGITS} and {MAX_INTEGER_DIGITS}, "
            f"not {type_name(digits) if type(digits) is not int else digits}"
        )
    return round(value, digits)


def _sum(values: Any) -> int | float:
    if not isinstance(values, LIST_TYPES):
        raise _need("sum", values, "a list")
    total: int | float = 0
    for value in values:
        if type(value) not in NUMBER_TYPES:
            raise ExpressionError(f"sum() needs a list of numbers, found {type_name(value)}")
        total = checked_number(total + value)
    return total


def _text_function(name: str, transform: Callable[[str], str]) -> Callable[[Any], str]:
    def apply(value: Any) -> str:
        if type(value) is not str:
            raise _need(name, value, "a str")
        return transform(value)

    return apply


def _affix_test(name: str, test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def apply(text: Any, affix: Any) -> bool:
        for value in (text, affix):
            if type(value) is not str:
                raise _need(name, value, "str arguments")
        return test(text, affix)

    return apply


def _contains(haystack: Any, needle: Any) -> bool:
    return contains(haystack, needle)


def _matches(text: Any, pattern: Any) -> bool:
    for value in (text, pattern):
        if type(value) is not str:
            raise _need("matches", value, "str arguments")
    if len(text) > MAX_REGEX_INPUT_LENGTH:
        raise ExpressionError(f"matches() searches at most {MAX_REGEX_INPUT_LENGTH:,} characters")
    return _compiled_regex(pattern).search(text) is not None


@lru_cache(maxsize=256)
def _compiled_regex(pattern: str) -> re.Pattern[str]:
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ExpressionError(
            f"matches() accepts a regular expression of at most {MAX_REGEX_LENGTH} characters"
        )
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise ExpressionError(f"matches(): invalid regular expression {_quote(pattern)}: {error}") from None
    check_regex_is_safe(pattern)
    return compiled


def _keys(value: Any) -> list[Any]:
    if is_mapping(value):
        return list(value.keys())
    raise _need("keys", value, "a dict")


def _values(value: Any) -> list[Any]:
    if is_mapping(value):
        return list(value.values())
    raise _need("values", value, "a dict")


def _coalesce(arguments: tuple[Evaluator, ...], variables: Mapping[str, Any]) -> Any:
    """The first argument that exists and is not null: `coalesce(discount, 0)`."""
    for argument in arguments:
        try:
            value = argument(variables)
        except MissingValueError:
            continue
        if value is not None:
            return value
    return None


def _quote(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _define(*functions: Function) -> dict[str, Function]:
    return {function.name: function for function in functions}


FUNCTIONS: Mapping[str, Function] = _define(
    Function("len", _len, 1, 1),
    Function("str", to_text, 1, 1),
    Function("int", _int, 1, 1),
    Function("float", _float, 1, 1),
    Function("bool", _bool, 1, 1),
    Function("abs", _abs, 1, 1),
    Function("min", _extreme("min", COMPARISONS["<"]), 1, None),
    Function("max", _extreme("max", COMPARISONS[">"]), 1, None),
    Function("round", _round, 1, 2),
    Function("sum", _sum, 1, 1),
    Function("lower", _text_function("lower", str.lower), 1, 1),
    Function("upper", _text_function("upper", str.upper), 1, 1),
    Function("trim", _text_function("trim", str.strip), 1, 1),
    Function("contains", _contains, 2, 2),
    Function("startswith", _affix_test("startswith", str.startswith), 2, 2),
    Function("endswith", _affix_test("endswith", str.endswith), 2, 2),
    Function("matches", _matches, 2, 2),
    Function("keys", _keys, 1, 1),
    Function("values", _values, 1, 1),
    Function("coalesce", _coalesce, 1, None, lazy=True),
)
