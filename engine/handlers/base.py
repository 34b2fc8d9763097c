"""The contract between the engine and service task handlers.

A handler runs OUTSIDE any database transaction and may run more than once for the same job
(at-least-once): it receives an idempotency key that stays the same across attempts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

FieldValue = str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JobContext:
    instance_id: int
    job_id: int
    node_id: str
    #: Stable across retries of the same job; pass it on to the systems you call.
    idempotency_key: str
    fields: Mapping[str, FieldValue]
    variables: Mapping[str, Any]


class HandlerError(Exception):
    """The job failed; `details` is kept for the incident (e.g. stderr, a stack trace)."""

    def __init__(self, message: str, details: str = ""):
        super().__init__(message)
        self.message = message
        self.details = details


class ThrowBpmnError(HandlerError):
    """A business outcome the process models, not a technical failure: a BPMN error.

    It is never retried. An error boundary event with this `code` (or a catch-all one) on the
    task or an enclosing subprocess takes the token; uncaught, it is an incident.
    """

    def __init__(self, code: str, message: str = "", details: str = ""):
        super().__init__(message or f"BPMN error {code}", details)
        self.code = code


class Handler(Protocol):
    #: The value of `bpm:type` on a service task.
    type: str

    def validate(self, fields: Mapping[str, FieldValue]) -> list[str]:
        """Problems with the task's fields, checked at deploy time (empty when fine)."""
        ...

    def execute(self, context: JobContext) -> dict[str, Any]:
        """Do the work; return variables to set on the instance, or raise HandlerError."""
        ...
