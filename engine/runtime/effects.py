"""Effects: work the kernel asks the store to arrange after it commits the new state.

The kernel never performs I/O. A service task becomes a `ScheduleJob`, a user task an
`OpenUserTask`; when a waiting token is withdrawn (terminate end event, cancel) its pending
work is voided with `CancelWork`. Details (handler type, fields, assignee) are looked up by the
store in the graph by node id, so effects stay small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ScheduleJob:
    token: int
    node: str


@dataclass(frozen=True, slots=True)
class OpenUserTask:
    token: int
    node: str


@dataclass(frozen=True, slots=True)
class CancelWork:
    """The job or user task waiting on this token must no longer complete it."""

    token: int
    node: str


@dataclass(frozen=True, slots=True)
class RaiseIncident:
    incident: int
    token: int
    node: str
    error: str
    details: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleTimer:
    """Arm the timer of `node` (its definition is in the graph) for this subscription."""

    subscription: int
    node: str


@dataclass(frozen=True, slots=True)
class SubscribeMessage:
    """Index this subscription so a message `name` with a matching key can find it."""

    subscription: int
    node: str
    name: str
    #: None: any key matches.
    key: str | None


@dataclass(frozen=True, slots=True)
class SubscribeSignal:
    """Index this subscription so a broadcast of signal `name` reaches it."""

    subscription: int
    node: str
    name: str


@dataclass(frozen=True, slots=True)
class BroadcastSignal:
    """A signal throw or end event fired: every token waiting for `name` is to receive it.

    The store records it in the same transaction (an outbox) and delivers it after commit,
    each receiver in its own transaction, so nothing thrown is lost and none of it is
    delivered twice.
    """

    name: str
    node: str


@dataclass(frozen=True, slots=True)
class PublishMessage:
    """A message throw or end event or a send task without a handler sent a message.

    The store writes it to the message outbox in the same transaction and correlates it after
    commit (engine.store.outbox), so it reaches a waiting instance, a message start event or
    the buffer exactly once, even across a crash.
    """

    node: str
    name: str
    #: The correlation key evaluated in the sender; None: no key.
    key: str | None
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CancelSubscription:
    """The subscription closed (its token moved on): disarm its timer or message index."""

    subscription: int


Effect = (
    ScheduleJob
    | OpenUserTask
    | CancelWork
    | RaiseIncident
    | ScheduleTimer
    | SubscribeMessage
    | SubscribeSignal
    | BroadcastSignal
    | PublishMessage
    | CancelSubscription
)
