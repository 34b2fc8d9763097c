"""Script task bodies: lines of `name = expression`, evaluated in order."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_DOCUMENT_LENGTH, MAX_RESULT_SIZE, MAX_SOURCE_LENGTH, check_text
from engine.expressions.parser import Evaluator, Parser, run_guarded
from engine.expressions.tokens import RESERVED_WORDS, Kind, syntax_error, tokenize
from engine.expressions.values import deep_size

_EXAMPLE = "e.g. total = price * quantity"


@dataclass(frozen=True, slots=True)
class Assignment:
    line: int
    name: str
    run: Evaluator


class CompiledScript:
    """A compiled script task body; immutable, so it is safe to share and cache."""

    __slots__ = ("assignments", "source")

    def __init__(self, source: str, assignments: tuple[Assignment, ...]) -> None:
        self.source = source
        self.assignments = assignments

    @property
    def assigned_names(self) -> tuple[str, ...]:
        """The variables the script sets, in first-assignment order."""
        return tuple(dict.fromkeys(assignment.name for assignment in self.assignments))

    def run(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Evaluate the lines in order and return only the assigned variables.

        Each line sees the variables plus everything assigned above it. The values may share
        nested lists/dicts with `variables` (`copy = order`), so treat both as read-only.
        Raises ExpressionError whose message starts with `line N:`.
        """
        assigned: dict[str, Any] = {}
        scope = ChainMap(assigned, variables)  # type: ignore[arg-type]
        budget = MAX_RESULT_SIZE  # what the script may add to the instance's stored variables
        for assignment in self.assignments:
            try:
                value = run_guarded(assignment.run, scope)
                budget -= deep_size(value, f"the value of '{assignment.name}'", budget)
            except ExpressionError as error:
                raise _on_line(error, self.source, assignment.line) from None
            assigned[assignment.name] = value
        return assigned

    def __repr__(self) -> str:
        return f"CompiledScript({self.source!r})"


@lru_cache(maxsize=1024)
def compile_script(source: str) -> CompiledScript:
    """Compile a script body; blank lines and `# comment` lines are skipped."""
    check_text(source, "script", MAX_DOCUMENT_LENGTH)
    assignments = []
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            assignments.append(_compile_line(line, number))
        except ExpressionError as error:
            raise _on_line(error, source, number) from None
    return CompiledScript(source, tuple(assignments))


def _compile_line(line: str, number: int) -> Assignment:
    check_text(line, "line", MAX_SOURCE_LENGTH)
    tokens = tokenize(line)
    target, equals = tokens[0], tokens[1]
    if target.kind is not Kind.NAME or equals.text != "=" or equals.kind is not Kind.OPERATOR:
        raise syntax_error(line, target.start, "expected 'name = expression'", f" ({_EXAMPLE})")
    if target.text in RESERVED_WORDS:
        raise syntax_error(line, target.start, f"reserved word '{target.text}'", " cannot be a variable name")
    if tokens[2].kind is Kind.END:
        raise syntax_error(line, tokens[2].start, "missing expression after '='", f" ({_EXAMPLE})")
    run = Parser(line, tokens[2:]).parse().run
    return Assignment(number, target.text, run)


def _on_line(error: ExpressionError, source: str, line: int) -> ExpressionError:
    return ExpressionError(f"line {line}: {error.message}", source=source, line=line, column=error.column)
