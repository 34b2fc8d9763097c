"""compile_expression(): one expression, optionally wrapped in `${...}` or `#{...}`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_SOURCE_LENGTH, check_text
from engine.expressions.parser import Evaluator, Parser, run_guarded
from engine.expressions.tokens import find_closing_brace, syntax_error, tokenize

#: Compiled expressions kept per source text; a process model's conditions are few and reused.
CACHE_SIZE = 4096


class CompiledExpression:
    """An expression ready to evaluate many times; immutable, so it is safe to share and cache."""

    __slots__ = ("_run", "source")

    def __init__(self, source: str, run: Evaluator) -> None:
        self.source = source
        self._run = run

    def evaluate(self, variables: Mapping[str, Any]) -> Any:
        """The value of the expression (a condition holds when `bool(value)` is true).

        Raises ExpressionError for an unknown variable, a missing key, a type mismatch such as
        `"a" < 1`, a division by zero, or a result over the size limits.
        """
        try:
            return run_guarded(self._run, variables)
        except ExpressionError as error:
            error.source = self.source
            raise

    def __repr__(self) -> str:
        return f"CompiledExpression({self.source!r})"


@lru_cache(maxsize=CACHE_SIZE)
def compile_expression(source: str) -> CompiledExpression:
    """Compile `source`, a plain expression or one whole `${ expression }` (or `#{...}`).

    Raises ExpressionError naming the offending token and its column.
    """
    try:
        return CompiledExpression(source, compile_fragment(source, *_expression_span(source)))
    except ExpressionError as error:
        error.source = source
        raise


def compile_fragment(text: str, start: int, stop: int) -> Evaluator:
    """The evaluator of text[start:stop]; error columns count from the start of `text`."""
    return Parser(text, tokenize(text, start, stop)).parse().run


def _expression_span(source: str) -> tuple[int, int]:
    check_text(source, "expression", MAX_SOURCE_LENGTH)
    stripped = source.lstrip()
    if not stripped.startswith(("${", "#{")):
        return 0, len(source)
    opening = len(source) - len(stripped)
    closing = find_closing_brace(source, opening)
    rest = source[closing + 1 :]
    if rest.strip():
        trailing = closing + 1 + (len(rest) - len(rest.lstrip()))
        raise syntax_error(
            source,
            trailing,
            "unexpected text after the closing '}'",
            ": wrap the whole expression in one ${...} (or write it without ${...})",
        )
    return opening + 2, closing
