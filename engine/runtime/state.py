"""Instance state and `apply`, the only function that changes it.

The kernel decides *what* happens (engine.runtime.kernel) and records it as events; `apply`
folds one event into the state. Because decisions and state changes are separate, replaying
the stored events through `apply` rebuilds exactly the state the kernel had (see `replay`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.runtime.events import Event, EventType

ROOT_SCOPE = 0


class InstanceStatus(StrEnum):
    NEW = "new"
    RUNNING = "running"
    COMPLETED = "completed"
    #: Ended by a terminate end event at process level.
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


class TokenStatus(StrEnum):
    #: Arrived at a node and being processed inside the current command.
    ACTIVE = "active"
    #: At a service or user task, waiting for CompleteTask / FailTask.
    WAITING = "waiting"
    #: At a parallel or inclusive join, waiting for the other branches.
    JOINED = "joined"
    #: At an embedded subprocess whose child scope is running.
    IN_SCOPE = "in_scope"
    #: Stopped by an incident.
    FAILED = "failed"


@dataclass(slots=True)
class Token:
    id: int
    node: str
    scope: int
    status: TokenStatus = TokenStatus.ACTIVE
    #: The token this one came from (the chain of token history).
    previous: int | None = None
    #: The sequence flow it arrived through (None for start events).
    flow: str | None = None


@dataclass(slots=True)
class Scope:
    id: int
    #: The embedded subprocess node this scope executes (None for the process scope).
    node: str | None
    parent: int | None
    #: The token waiting at the subprocess node in the parent scope.
    token: int | None


@dataclass(slots=True)
class Incident:
    id: int
    token: int
    node: str
    error: str


@dataclass(slots=True)
class Subscription:
    """Something a token waits for besides its own task: today a timer.

    `token` owns it: the token at an intermediate catch event, the activity's token for a
    boundary event, or the subprocess's token for the start event of one of its event
    subprocesses (None for the process's). It closes when that token leaves or is withdrawn,
    or when the instance ends.
    """

    id: int
    kind: str
    node: str
    #: None: the process scope owns it (the start event of one of its event subprocesses).
    token: int | None
    #: Messages: the name and correlation key (None: any key) a message must carry.
    message: str | None = None
    key: str | None = None


@dataclass(slots=True)
class CompensationRecord:
    """One completion of an activity that compensation can undo (one per loop iteration)."""

    id: int
    node: str
    #: The token that completed it: the records of a subprocess's inner work point at it.
    token: int
    #: The token of the subprocess it completed in (None: at process level).
    parent: int | None
    #: A subprocess left through a boundary event: its own handler never runs, its inner work
    #: is still undone.
    interrupted: bool = False


@dataclass(slots=True)
class CompensationRun:
    """The handlers one compensation event runs, one after the other, in its own scope."""

    scope: int
    #: What the event's token does once every handler finished: "leave", "end" or "cancel".
    then: str
    #: [record, activity, activity token] of the handlers still to run, in run order; the
    #: activity's token only for a compensation event subprocess (whose throw undoes its work).
    pending: list[list[Any]]
    #: [record, activity, handler token, activity token] of the handler running now.
    running: list[Any] | None = None


@dataclass(slots=True)
class InstanceState:
    status: InstanceStatus = InstanceStatus.NEW
    variables: dict[str, Any] = field(default_factory=dict)
    tokens: dict[int, Token] = field(default_factory=dict)
    scopes: dict[int, Scope] = field(default_factory=dict)
    incidents: dict[int, Incident] = field(default_factory=dict)
    #: "scope:gateway" -> how many times that join has fired in that scope instance.
    join_generations: dict[str, int] = field(default_factory=dict)
    subscriptions: dict[int, Subscription] = field(default_factory=dict)
    #: Completed work that compensation may undo, and the compensations running (by scope).
    compensations: dict[int, CompensationRecord] = field(default_factory=dict)
    compensation_runs: dict[int, CompensationRun] = field(default_factory=dict)
    next_compensation: int = 1
    next_token: int = 1
    next_scope: int = 1
    next_incident: int = 1
    next_subscription: int = 1

    def copy(self) -> InstanceState:
        return InstanceState.from_json(self.to_json())

    def to_json(self) -> dict[str, Any]:
        snapshot = {
            "status": self.status.value,
            "variables": self.variables,
            "tokens": [
                [t.id, t.node, t.scope, t.status.value, t.previous, t.flow] for t in self.tokens.values()
            ],
            "scopes": [[s.id, s.node, s.parent, s.token] for s in self.scopes.values()],
            "incidents": [[i.id, i.token, i.node, i.error] for i in self.incidents.values()],
            "join_generations": self.join_generations,
            "subscriptions": [
                [s.id, s.kind, s.node, s.token, s.message, s.key] for s in self.subscriptions.values()
            ],
            "next": [self.next_token, self.next_scope, self.next_incident, self.next_subscription],
        }
        if self.next_compensation > 1 or self.compensation_runs:
            # Only instances that recorded compensable work carry it, so snapshots stored before
            # compensation existed still equal their replay (`bpm verify`).
            snapshot["compensation"] = {
                "records": [
                    [r.id, r.node, r.token, r.parent, r.interrupted] for r in self.compensations.values()
                ],
                "runs": [[r.scope, r.then, r.pending, r.running] for r in self.compensation_runs.values()],
                "next": self.next_compensation,
            }
        return snapshot

    @staticmethod
    def from_json(raw: dict[str, Any]) -> InstanceState:
        import copy

        state = InstanceState(status=InstanceStatus(raw["status"]), variables=copy.deepcopy(raw["variables"]))
        for tid, node, scope, status, previous, flow in raw["tokens"]:
            state.tokens[tid] = Token(tid, node, scope, TokenStatus(status), previous, flow)
        for sid, node, parent, token in raw["scopes"]:
            state.scopes[sid] = Scope(sid, node, parent, token)
        for iid, token, node, error in raw["incidents"]:
            state.incidents[iid] = Incident(iid, token, node, error)
        state.join_generations = dict(raw["join_generations"])
        compensation = copy.deepcopy(raw.get("compensation") or {})  # absent in older snapshots
        for row in compensation.get("records", []):
            state.compensations[row[0]] = CompensationRecord(*row)
        for row in compensation.get("runs", []):
            state.compensation_runs[row[0]] = CompensationRun(*row)
        state.next_compensation = compensation.get("next", 1)
        for row in raw.get("subscriptions", []):
            state.subscriptions[row[0]] = Subscription(*row)
        counters = list(raw["next"]) + [1] * (4 - len(raw["next"]))  # snapshots before timers had 3
        state.next_token, state.next_scope, state.next_incident, state.next_subscription = counters
        return state

    def tokens_in_scope(self, scope: int) -> list[Token]:
        return [t for t in self.tokens.values() if t.scope == scope]


def join_key(scope: int, gateway: str) -> str:
    return f"{scope}:{gateway}"


def apply(state: InstanceState, event: Event) -> None:
    """Fold one event into `state` (in place)."""
    data = event.data
    match event.type:
        case EventType.INSTANCE_STARTED:
            state.status = InstanceStatus.RUNNING
            state.variables = dict(data.get("variables") or {})
            state.scopes[ROOT_SCOPE] = Scope(ROOT_SCOPE, None, None, None)
        case EventType.TOKEN_ARRIVED:
            token_id = _token_id(event)
            state.tokens[token_id] = Token(
                token_id,
                _node_id(event),
                data["scope"],
                TokenStatus.ACTIVE,
                data.get("previous"),
                data.get("flow"),
            )
            state.next_token = max(state.next_token, token_id + 1)
        case EventType.NODE_COMPLETED | EventType.TOKEN_TERMINATED:
            token_id = _token_id(event)
            del state.tokens[token_id]
            for incident_id in [i.id for i in state.incidents.values() if i.token == token_id]:
                del state.incidents[incident_id]
            for scope_id in [s.id for s in state.scopes.values() if s.token == token_id]:
                _drop_scope(state, scope_id)
        case EventType.VARIABLES_UPDATED:
            state.variables.update(data["values"])
        case EventType.TASK_WAITING:
            state.tokens[_token_id(event)].status = TokenStatus.WAITING
        case EventType.TOKEN_JOINED:
            state.tokens[_token_id(event)].status = TokenStatus.JOINED
        case EventType.JOIN_FIRED:
            consumed = data["consumed"]
            for tid in consumed:
                del state.tokens[tid]
            new_id = _token_id(event)
            state.tokens[new_id] = Token(
                new_id, _node_id(event), data["scope"], TokenStatus.ACTIVE, consumed[0], None
            )
            state.next_token = max(state.next_token, new_id + 1)
            state.join_generations[join_key(data["scope"], event.node)] = data["generation"]
        case EventType.SCOPE_STARTED:
            token = state.tokens[_token_id(event)]
            token.status = TokenStatus.IN_SCOPE
            scope_id = data["scope"]
            state.scopes[scope_id] = Scope(scope_id, event.node, token.scope, token.id)
            state.next_scope = max(state.next_scope, scope_id + 1)
        case EventType.SCOPE_COMPLETED:
            _drop_scope(state, data["scope"])
            state.tokens[_token_id(event)].status = TokenStatus.ACTIVE
        case EventType.INCIDENT_RAISED:
            incident_id = data["incident"]
            state.incidents[incident_id] = Incident(
                incident_id, _token_id(event), _node_id(event), data["error"]
            )
            state.tokens[_token_id(event)].status = TokenStatus.FAILED
            state.next_incident = max(state.next_incident, incident_id + 1)
        case EventType.SUBSCRIPTION_OPENED:
            subscription_id = data["subscription"]
            state.subscriptions[subscription_id] = Subscription(
                subscription_id,
                data["kind"],
                _node_id(event),
                event.token,
                data.get("message"),
                data.get("key"),
            )
            state.next_subscription = max(state.next_subscription, subscription_id + 1)
        case EventType.SUBSCRIPTION_CLOSED:
            del state.subscriptions[data["subscription"]]
        case (
            EventType.COMPENSATION_RECORDED
            | EventType.COMPENSATION_TRIGGERED
            | EventType.COMPENSATION_STARTED
            | EventType.COMPENSATION_COMPLETED
        ):
            _apply_compensation(state, event)
        case EventType.INCIDENT_RESOLVED:
            del state.incidents[data["incident"]]
            state.tokens[_token_id(event)].status = TokenStatus.ACTIVE
        case EventType.INSTANCE_COMPLETED | EventType.INSTANCE_TERMINATED | EventType.INSTANCE_CANCELLED:
            state.status = {
                EventType.INSTANCE_COMPLETED: InstanceStatus.COMPLETED,
                EventType.INSTANCE_TERMINATED: InstanceStatus.TERMINATED,
                EventType.INSTANCE_CANCELLED: InstanceStatus.CANCELLED,
            }[event.type]
            state.tokens.clear()
            state.scopes.clear()
            state.incidents.clear()
            state.join_generations.clear()
            state.subscriptions.clear()
            state.compensations.clear()
            state.compensation_runs.clear()


def _apply_compensation(state: InstanceState, event: Event) -> None:
    data = event.data
    match event.type:
        case EventType.COMPENSATION_RECORDED:
            record = data["record"]
            state.compensations[record] = CompensationRecord(
                record, _node_id(event), _token_id(event), data.get("parent"), data.get("interrupted", False)
            )
            state.next_compensation = max(state.next_compensation, record + 1)
        case EventType.COMPENSATION_TRIGGERED:
            for record in data["consumed"]:
                del state.compensations[record]
            handlers = [list(handler) for handler in data["handlers"]]
            state.compensation_runs[data["scope"]] = CompensationRun(data["scope"], data["then"], handlers)
        case EventType.COMPENSATION_STARTED:
            run = state.compensation_runs[data["scope"]]
            run.pending.pop(0)
            run.running = [data["record"], data["activity"], _token_id(event), data.get("activity_token")]
        case EventType.COMPENSATION_COMPLETED:
            state.compensation_runs[data["scope"]].running = None


def _drop_scope(state: InstanceState, scope_id: int) -> None:
    del state.scopes[scope_id]
    state.compensation_runs.pop(scope_id, None)
    prefix = f"{scope_id}:"
    for key in [k for k in state.join_generations if k.startswith(prefix)]:
        del state.join_generations[key]


class CorruptEvent(ValueError):
    """An event lacks what its type requires: the history was not written by this kernel."""


def _token_id(event: Event) -> int:
    if event.token is None:
        raise CorruptEvent(f"{event.type.value} event without a token")
    return event.token


def _node_id(event: Event) -> str:
    if event.node is None:
        raise CorruptEvent(f"{event.type.value} event without a node")
    return event.node


def replay(events: Iterable[Event]) -> InstanceState:
    """Rebuild an instance's state from its complete event history."""
    state = InstanceState()
    for event in events:
        apply(state, event)
    return state
