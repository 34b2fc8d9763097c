"""The one error a timer definition raises, so callers can report it against the BPMN element."""

from __future__ import annotations


class TimerSpecError(ValueError):
    """A timer definition that cannot be used: `message` says what is wrong and what was expected.

    `text` is the whole definition and `position` the 0-based index of the offending character
    (None when the problem is not at one place, e.g. an empty text or a due time past year 9999).
    """

    def __init__(self, message: str, *, text: str = "", position: int | None = None) -> None:
        self.message = message
        self.text = text
        self.position = position
        super().__init__(self.describe())

    def describe(self) -> str:
        if self.position is None:
            return f"{self.message} in '{self.text}'" if self.text else self.message
        return f"{self.message} (at character {self.position + 1} of '{self.text}')"
