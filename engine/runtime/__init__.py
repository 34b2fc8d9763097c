"""The pure token kernel: (graph, state, command) -> new state + events + effects.

No Django, no clock, no I/O. See docs/ARCHITECTURE.md.
"""

from engine.runtime.commands import (
    CancelInstance,
    Command,
    CompleteTask,
    CorrelateMessage,
    FailTask,
    FireTimer,
    ReceiveSignal,
    RetryIncident,
    StartInstance,
    ThrowError,
)
from engine.runtime.effects import (
    BroadcastSignal,
    CancelSubscription,
    CancelWork,
    Effect,
    OpenUserTask,
    PublishMessage,
    RaiseIncident,
    ScheduleJob,
    ScheduleTimer,
    SubscribeMessage,
    SubscribeSignal,
)
from engine.runtime.events import Event, EventType
from engine.runtime.kernel import CommandRejected, Outcome, handle
from engine.runtime.state import InstanceState, InstanceStatus, Token, TokenStatus, apply, replay

__all__ = [
    "BroadcastSignal",
    "CancelInstance",
    "CancelSubscription",
    "CancelWork",
    "Command",
    "CommandRejected",
    "CompleteTask",
    "CorrelateMessage",
    "Effect",
    "Event",
    "EventType",
    "FailTask",
    "FireTimer",
    "InstanceState",
    "InstanceStatus",
    "OpenUserTask",
    "Outcome",
    "PublishMessage",
    "RaiseIncident",
    "ReceiveSignal",
    "RetryIncident",
    "ScheduleJob",
    "ScheduleTimer",
    "StartInstance",
    "SubscribeMessage",
    "SubscribeSignal",
    "ThrowError",
    "Token",
    "TokenStatus",
    "apply",
    "handle",
    "replay",
]
