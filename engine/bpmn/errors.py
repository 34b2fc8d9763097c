"""Problems found while reading or validating a BPMN file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    element_id: str | None = None
    element_type: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.element_type or self.element_id:
            where.append(f"{self.element_type or 'element'} '{self.element_id or '?'}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def to_json(self) -> dict[str, object]:
        return {
            "message": self.message,
            "element_id": self.element_id,
            "element_type": self.element_type,
            "line": self.line,
        }


class BpmnError(ValueError):
    """The file cannot be deployed; `problems` lists every reason at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
