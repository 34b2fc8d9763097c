"""The pure token kernel: (graph, state, command) -> new state + events + effects.

No Django, no clock, no I/O. See docs/ARCHITECTURE.md.
"""

from engine.runtime.commands import (
    CancelInstance,
    Command,
    CompleteTask,
    FailTask,
    RetryIncident,
    StartInstance,
)
from engine.runtime.effects import CancelWork, Effect, OpenUserTask, RaiseIncident, ScheduleJob
from engine.runtime.events import Event, EventType
from engine.runtime.kernel import CommandRejected, Outcome, handle
from engine.runtime.state import InstanceState, InstanceStatus, Token, TokenStatus, apply, replay

__all__ = [
    "CancelInstance",
    "CancelWork",
    "Command",
    "CommandRejected",
    "CompleteTask",
    "Effect",
    "Event",
    "EventType",
    "FailTask",
    "InstanceState",
    "InstanceStatus",
    "OpenUserTask",
    "Outcome",
    "RaiseIncident",
    "RetryIncident",
    "ScheduleJob",
    "StartInstance",
    "Token",
    "TokenStatus",
    "apply",
    "handle",
    "replay",
]
