"""The one error type of the expression language."""

from __future__ import annotations


class ExpressionError(ValueError):
    """An expression, script or template is malformed or cannot be evaluated.

    `message` is complete on its own (it names the offending token, key, variable or type, and
    for syntax errors the column; for scripts it starts with `line N:`), so callers can show it
    as is. `source` is the text that was compiled, `line` the script line (None outside
    scripts) and `column` the 1-based column within that line, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message


class MissingValueError(ExpressionError):
    """A variable, key or index that is not there; `coalesce()` treats these as null."""
