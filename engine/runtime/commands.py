"""Commands: what the outside world asks of one process instance.

A command never carries time read from a clock inside the kernel; when a later command needs
"now" (timers), the store passes it in explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine.runtime.modification import ModifyInstance, SetVariables

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StartInstance:
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    #: The process-level start event that fired (a timer, message or signal start event);
    #: None: the none start event.
    start_event: str | None = None


@dataclass(frozen=True, slots=True)
class CompleteTask:
    """A wait state (service task job or user task) finished; its token moves on."""

    token: int
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class FailTask:
    """A wait state failed for good (for now: no retries left); raises an incident."""

    token: int
    error: str
    details: str = ""


@dataclass(frozen=True, slots=True)
class ThrowError:
    """A service task's handler raised a BPMN error: caught by a boundary event, else an incident."""

    token: int
    code: str
    message: str = ""


@dataclass(frozen=True, slots=True)
class RetryIncident:
    """Resolve an incident and run its node again (a service task gets a new job)."""

    incident: int


@dataclass(frozen=True, slots=True)
class FireTimer:
    """A timer subscription is due (the store decides when; the kernel never reads a clock)."""

    subscription: int


@dataclass(frozen=True, slots=True)
class CorrelateMessage:
    """A message reached this subscription (the store matched its name and correlation key)."""

    subscription: int
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class ReceiveSignal:
    """A broadcast signal reached this subscription."""

    subscription: int
    variables: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)


@dataclass(frozen=True, slots=True)
class CancelInstance:
    reason: str = ""


Command = (
    StartInstance
    | CompleteTask
    | FailTask
    | ThrowError
    | RetryIncident
    | FireTimer
    | CorrelateMessage
    | ReceiveSignal
    | CancelInstance
    | ModifyInstance
    | SetVariables
)
