"""Templates: text with `${expression}` parts, as in handler fields (`--name=${customer.name}`).

`$${` writes a literal `${` (e.g. a shell variable in a command line).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_DOCUMENT_LENGTH, MAX_RESULT_SIZE, MAX_SOURCE_LENGTH, check_text
from engine.expressions.parser import Evaluator, Parser, run_guarded
from engine.expressions.tokens import find_closing_brace, syntax_error, tokenize
from engine.expressions.values import to_text

_MARKER = re.compile(r"\$?\$\{")

#: A compiled template: literal text and evaluators, in order.
Parts = tuple[str | Evaluator, ...]


def render_template(template: str, variables: Mapping[str, Any]) -> str:
    """The template with each `${expr}` replaced by its value as text.

    str as is, null as "", true/false, numbers as Python writes them, lists and dicts as JSON.
    """
    pieces = []
    size = 0
    for part in _compile_template(template):
        if isinstance(part, str):
            text = part
        else:
            try:
                text = to_text(run_guarded(part, variables))
            except ExpressionError as error:
                error.source = template
                raise
        size += len(text)
        if size > MAX_RESULT_SIZE:
            raise ExpressionError(
                f"rendered text would be too long (more than {MAX_RESULT_SIZE:,} characters)"
            )
        pieces.append(text)
    return "".join(pieces)


def check_template(template: str) -> None:
    """Raise ExpressionError if any `${...}` in the template is malformed."""
    _compile_template(template)


@lru_cache(maxsize=1024)
def _compile_template(template: str) -> Parts:
    check_text(template, "template", MAX_DOCUMENT_LENGTH)
    try:
        return _parts(template)
    except ExpressionError as error:
        error.source = template
        raise


def _parts(template: str) -> Parts:
    parts: list[str | Evaluator] = []
    literal: list[str] = []
    position = 0
    while (marker := _MARKER.search(template, position)) is not None:
        literal.append(template[position : marker.start()])
        if marker.group() == "$${":
            literal.append("${")
            position = marker.end()
            continue
        opening = marker.start()
        closing = find_closing_brace(template, opening)
        if closing - opening - 2 > MAX_SOURCE_LENGTH:
            raise syntax_error(
                template, opening, "expression is too long", f" (at most {MAX_SOURCE_LENGTH:,} characters)"
            )
        parts.append("".join(literal))
        literal = []
        parts.append(Parser(template, tokenize(template, opening + 2, closing)).parse().run)
        position = closing + 1
    literal.append(template[position:])
    parts.append("".join(literal))
    return tuple(part for part in parts if part != "")
