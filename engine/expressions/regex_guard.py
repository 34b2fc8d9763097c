"""Refusing regular expressions that can take exponential time (catastrophic backtracking).

Python's `re` backtracks, so a pattern like `(a+)+$` needs 2^n steps on n characters and would
freeze a worker. Bounding the text length alone does not help (n = 40 is already too slow), so
patterns with a repeat inside a repeat, the classic cause, and backreferences are refused. The
pattern is analysed with the `re` module's own parser (`re._parser`, private but stable since
Python 3.11) so the check sees exactly what `re` will run.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

from engine.expressions.errors import ExpressionError

_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_BACKREFERENCES = {sre.GROUPREF, sre.GROUPREF_EXISTS, getattr(sre, "GROUPREF_IGNORE", sre.GROUPREF)}


def check_regex_is_safe(pattern: str) -> None:
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        raise ExpressionError(f"matches(): invalid regular expression {pattern!r}") from None
    problem = _problem(parsed, inside_unbounded_repeat=False)
    if problem:
        raise ExpressionError(f"matches(): regular expression {pattern!r} refused: {problem}")


def _problem(items: Any, *, inside_unbounded_repeat: bool) -> str | None:
    for op, argument in items:
        if op in _BACKREFERENCES:
            return "backreferences are not supported"
        children: list[Any] = []
        nested = inside_unbounded_repeat
        if op in _REPEATS:
            _minimum, maximum, body = argument
            unbounded = maximum == sre.MAXREPEAT
            if unbounded and inside_unbounded_repeat:
                return "a repeat inside a repeat (like (a+)+) can take exponential time"
            nested = inside_unbounded_repeat or unbounded
            children = [body]
        elif op is sre.SUBPATTERN:
            children = [argument[-1]]
        elif op is sre.BRANCH:
            children = list(argument[1])
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            children = [argument[1]]
        elif op is getattr(sre, "ATOMIC_GROUP", None):
            children = [argument]
        for child in children:
            problem = _problem(child, inside_unbounded_repeat=nested)
            if problem:
                return problem
    return None
