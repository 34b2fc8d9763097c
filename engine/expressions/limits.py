"""Resource limits: an expression comes from a process model, so it must not be able to exhaust
the engine (huge strings, deep recursion, integers with millions of digits, slow regexes)."""

from __future__ import annotations

from engine.expressions.errors import ExpressionError

#: Longest condition or single expression, in characters.
MAX_SOURCE_LENGTH = 10_000
#: Longest script body or template, in characters.
MAX_DOCUMENT_LENGTH = 100_000
#: Deepest nesting of operators, brackets and calls; keeps parsing and evaluation far away from
#: Python's recursion limit.
MAX_DEPTH = 100
#: Longest string, list or dict an operation may produce (characters or elements).
MAX_RESULT_SIZE = 1_000_000
#: Integers beyond this many decimal digits are refused (no `2 ** 10 ** 9` style blow-ups).
MAX_INTEGER_DIGITS = 100
MAX_INTEGER = 10**MAX_INTEGER_DIGITS
#: matches(): the regex and the text it searches are bounded, see functions.py.
MAX_REGEX_LENGTH = 500
MAX_REGEX_INPUT_LENGTH = 10_000


def check_text(text: object, what: str, limit: int) -> None:
    """Refuse, before any work, input that is not text or is longer than `limit` characters."""
    if not isinstance(text, str):
        raise ExpressionError(f"{what} must be text, not {type(text).__name__}")
    if len(text) > limit:
        raise ExpressionError(
            f"{what} is too long ({len(text):,} characters, at most {limit:,})", source=text
        )
