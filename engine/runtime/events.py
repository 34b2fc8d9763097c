"""Events: the facts the kernel records. Replaying them rebuilds an instance's state exactly.

Every event is small, JSON-serialisable and self-contained: `apply` (engine.runtime.state)
needs nothing but the event and the previous state, never the graph or a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class EventType(StrEnum):
    INSTANCE_STARTED = "instance_started"  # data: variables
    TOKEN_ARRIVED = "token_arrived"  # token, node; data: scope, previous, flow
    NODE_COMPLETED = "node_completed"  # token, node: the token leaves the node and is gone
    VARIABLES_UPDATED = "variables_updated"  # node?, token?; data: values
    TASK_WAITING = "task_waiting"  # token, node; data: kind (service | user)
    TOKEN_JOINED = "token_joined"  # token, node: waits at a parallel/inclusive join
    JOIN_FIRED = "join_fired"  # token (new), node; data: scope, consumed, generation
    SCOPE_STARTED = "scope_started"  # token (at the subprocess), node; data: scope
    SCOPE_COMPLETED = "scope_completed"  # token (at the subprocess), node; data: scope
    #: A token withdrawn without completing (terminate end event, cancel). When the token
    #: sat at a subprocess, its child scope is gone too (its tokens were terminated first).
    TOKEN_TERMINATED = "token_terminated"  # token, node; data: reason
    #: token = the owner (catch event token, activity token, or a subprocess's token for its event
    #: subprocesses; None for the process's event subprocesses), node = the waiting event.
    SUBSCRIPTION_OPENED = "subscription_opened"  # data: subscription, kind
    SUBSCRIPTION_CLOSED = "subscription_closed"  # data: subscription
    INCIDENT_RAISED = "incident_raised"  # token, node; data: incident, error, details
    INCIDENT_RESOLVED = "incident_resolved"  # token, node; data: incident (the node runs again)
    #: An activity with a compensation handler (or a subprocess with compensable work inside)
    #: completed, or a subprocess holding such work was interrupted (`interrupted`: only its
    #: inner work can be undone). token, node: the activity's; data: record, parent (the
    #: subprocess token it completed in, None at process level), interrupted.
    COMPENSATION_RECORDED = "compensation_recorded"
    #: A compensation throw/end event (or a cancel end event) took these records to undo.
    #: token: the one waiting at the event (its compensation scope runs the handlers), node:
    #: the event; data: scope, handlers ([record, activity] in run order), consumed, then.
    COMPENSATION_TRIGGERED = "compensation_triggered"
    #: One handler starts / finished. token, node: the handler's; data: scope, record, activity.
    COMPENSATION_STARTED = "compensation_started"
    COMPENSATION_COMPLETED = "compensation_completed"
    INSTANCE_COMPLETED = "instance_completed"
    INSTANCE_TERMINATED = "instance_terminated"  # node: the terminate end event
    INSTANCE_CANCELLED = "instance_cancelled"  # data: reason


@dataclass(frozen=True, slots=True)
class Event:
    type: EventType
    node: str | None = None
    token: int | None = None
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type.value, "node": self.node, "token": self.token, "data": dict(self.data)}

    @staticmethod
    def from_json(raw: Mapping[str, Any]) -> Event:
        return Event(EventType(raw["type"]), raw.get("node"), raw.get("token"), raw.get("data") or {})
