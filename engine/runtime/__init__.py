"""The pure token kernel: (graph, state, command) -> new state + events + effects.

No Django, no clock, no I/O. See docs/ARCHITECTURE.md.
"""

from engine.runtime.commands import (
    CancelInstance,
    Command,
    CompleteTask,
    FailTask,
    FireTimer,
    RetryIncident,
    StartInstance,
    ThrowError,
)
from engine.runtime.effects import (
    CancelTimer,
    CancelWork,
    Effect,
    OpenUserTask,
    RaiseIncident,
    ScheduleJob,
    ScheduleTimer,
)
from engine.runtime.events import Event, EventType
from engine.runtime.kernel import CommandRejected, Outcome, handle
from engine.runtime.state import InstanceState, InstanceStatus, Token, TokenStatus, apply, replay

__all__ = [
    "CancelInstance",
    "CancelTimer",
    "CancelWork",
    "Command",
    "CommandRejected",
    "CompleteTask",
    "Effect",
    "Event",
    "EventType",
    "FailTask",
    "FireTimer",
    "InstanceState",
    "InstanceStatus",
    "OpenUserTask",
    "Outcome",
    "RaiseIncident",
    "RetryIncident",
    "ScheduleJob",
    "ScheduleTimer",
    "StartInstance",
    "ThrowError",
    "Token",
    "TokenStatus",
    "apply",
    "handle",
    "replay",
]
