"""Event subprocesses: started by an event while their enclosing scope runs (BPMN 2.0 10.3.5).

An event subprocess belongs to a *scope instance*: the process (scope 0) or one run of an
embedded subprocess. While that scope runs, the timer, message and signal start events of
its event subprocesses wait on subscriptions like any catch event. The subscriptions are
owned by the scope's token (the token resting at the subprocess node; None for the process
scope), so they close with the scope: when the subprocess completes (`complete_scope` disarms
them first), when its token is withdrawn, and when the instance ends (engine.runtime.kernel
closes the process scope's then).

When one fires, the event subprocess runs in that scope as a token at the event subprocess
node, which opens a child scope starting at the event's start event (the embedded subprocess
behaviour does that part):

- interrupting (isInterrupting, the default; error starts always are): every other token of
  the scope is withdrawn (their jobs, tasks and subscriptions are voided through CancelWork and
  CancelSubscription) and the scope's other event subprocesses are disarmed. When the event
  subprocess completes it was the scope's last token, so the scope completes: the process
  ends, or the subprocess leaves by its outgoing flows.
- non-interrupting: the event subprocess runs beside the rest; a message or signal start stays
  subscribed and starts another run each time, a timer cycle fires per repetition. The scope
  completes only when every run has completed too.

BPMN errors look for an error event subprocess scope by scope, innermost first, after the
boundary events of the activity that threw (engine.runtime.behaviours.errors). An error thrown
inside an event subprocess is not caught by the event subprocesses of the same scope (it would
start them over and over); it travels on to the enclosing activity's boundary events.
Escalations are found the same way (engine.runtime.behaviours.escalations).

Entry points for other behaviours (compensation builds on these):
- `event_subprocesses_of(graph, scope_node)`: the event subprocesses a scope defines, with
  their start events;
- `arm_event_subprocesses(execution, token)`: the start event token of a scope runs; subscribe
  the scope's event subprocesses (run_behaviour calls it);
- `start_event_subprocess(execution, scope, subprocess, interrupting=..., reason=...)`: run one
  in a scope instance, interrupting the scope first if asked;
- `interrupt_scope(...)` and `disarm_event_subprocesses(...)`: withdraw a scope's work, stop
  its event subprocesses listening;
- `is_event_start(graph, node)`, `event_subprocess_triggered(...)` (subscriptions fire) and
  `find_catching_start(...)` (error and escalation propagation).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.bpmn.graph import Node, NodeKind, ProcessGraph
from engine.runtime.events import EventType
from engine.runtime.state import ROOT_SCOPE, InstanceState, Subscription, Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def event_subprocesses_of(graph: ProcessGraph, scope_node: str | None) -> list[tuple[Node, Node]]:
    """(event subprocess, its start event) defined directly in `scope_node`, in document order."""
    found = []
    for node in graph.nodes.values():
        if node.kind is NodeKind.SUB_PROCESS and node.triggered_by_event and node.scope == scope_node:
            found.append((node, event_start_of(graph, node)))
    return found


def event_start_of(graph: ProcessGraph, subprocess: Node) -> Node:
    """The start event of an event subprocess (validation guarantees exactly one)."""
    starts = (node for node in graph.nodes.values() if node.scope == subprocess.id)
    return next(node for node in starts if node.kind is NodeKind.START_EVENT)


def start_event_id(graph: ProcessGraph, subprocess: Node) -> str:
    """Where a token starts inside `subprocess`: its none start, or its event's start event."""
    if subprocess.triggered_by_event:
        return event_start_of(graph, subprocess).id
    return graph.start_events[subprocess.id]


def is_event_start(graph: ProcessGraph, node: Node) -> bool:
    if node.kind is not NodeKind.START_EVENT or node.scope is None:
        return False
    return graph.node(node.scope).triggered_by_event


def scope_owned_by(state: InstanceState, owner: int | None) -> int:
    """The scope instance whose event subprocess subscriptions `owner` holds."""
    if owner is None:
        return ROOT_SCOPE
    return next(scope.id for scope in state.scopes.values() if scope.token == owner)


def arm_event_subprocesses(execution: Execution, token: Token) -> bool:
    """Subscribe the timer, message and signal starts of the event subprocesses of the scope
    whose start event `token` is at. False when a correlation key failed (an incident on
    `token`); retrying it runs the start event again and arms what is still missing.
    """
    from engine.runtime.behaviours.subscriptions import WAITING_TRIGGERS, subscribe

    state = execution.state
    scope = state.scopes[token.scope]
    armed = {s.node for s in state.subscriptions.values() if s.token == scope.token}
    for _subprocess, start in event_subprocesses_of(execution.graph, scope.node):
        waits = start.trigger in WAITING_TRIGGERS and start.id not in armed
        if waits and not subscribe(execution, token, start, owner=scope.token):
            return False
    return True


def event_subprocess_triggered(
    execution: Execution, subscription: Subscription, kind: str, variables: Mapping[str, Any] | None
) -> None:
    """A timer, message or signal reached the start event of an event subprocess."""
    from engine.runtime.behaviours.subscriptions import close_subscription

    graph = execution.graph
    start = graph.node(subscription.node)
    subprocess = graph.node(start.scope or "")
    scope = scope_owned_by(execution.state, subscription.token)
    if variables:
        execution.emit(EventType.VARIABLES_UPDATED, start.id, None, values=dict(variables))
    once = kind == "timer" and start.timer is not None and start.timer[0] != "cycle"
    if once and not start.cancel_activity:
        close_subscription(execution, subscription.id)  # a date or duration fires once
    # Interrupting: the scope's subscriptions close with the interruption. A non-interrupting
    # message or signal start stays subscribed: each one starts another run.
    start_event_subprocess(
        execution,
        scope,
        subprocess,
        interrupting=start.cancel_activity,
        reason=f"{kind} event subprocess '{subprocess.id}'",
    )


def start_event_subprocess(
    execution: Execution, scope: int, subprocess: Node, *, interrupting: bool, reason: str
) -> int:
    """Run `subprocess` (an event subprocess of `scope`'s node) in scope instance `scope`.

    Interrupting withdraws everything else in the scope first and disarms the scope's event
    subprocesses. Returns the token at the event subprocess node.
    """
    if interrupting:
        interrupt_scope(execution, scope, reason=reason)
    return execution.arrive(subprocess.id, scope, previous=None, flow=None)


def interrupt_scope(execution: Execution, scope: int, *, reason: str) -> None:
    """Disarm the scope's event subprocesses and withdraw all its tokens (the scope stays)."""
    disarm_event_subprocesses(execution, scope)
    execution.terminate_scope(scope, reason=reason)


def disarm_event_subprocesses(execution: Execution, scope: int) -> None:
    """Close the subscriptions of the event subprocesses of scope instance `scope`."""
    from engine.runtime.behaviours.subscriptions import close_subscription

    owner = execution.state.scopes[scope].token
    for subscription in list(execution.state.subscriptions.values()):
        event = execution.graph.node(subscription.node)
        if subscription.token == owner and is_event_start(execution.graph, event):
            close_subscription(execution, subscription.id)


def find_catching_start(
    execution: Execution, token: Token, code: str | None, *, trigger: str = "error"
) -> Node | None:
    """The error (or escalation) start event of an event subprocess of `token`'s scope that
    catches `code`.

    An exact code match wins over a catch-all. What leaves an event subprocess is not caught by
    the event subprocesses beside it.
    """
    graph = execution.graph
    if graph.node(token.node).triggered_by_event:
        return None
    scope_node = execution.state.scopes[token.scope].node
    starts = [start for _sub, start in event_subprocesses_of(graph, scope_node) if start.trigger == trigger]
    exact = [start for start in starts if code is not None and start.error_code == code]
    catch_all = [start for start in starts if start.error_code is None]
    return (exact or catch_all or [None])[0]


def error_caught_by_event_subprocess(
    execution: Execution, scope: int, start: Node, code: str | None, message: str
) -> None:
    """A BPMN error thrown in `scope` starts the event subprocess of error start event `start`."""
    from engine.runtime.behaviours.errors import keep_caught_error

    subprocess = execution.graph.node(start.scope or "")
    reason = f"error caught by event subprocess '{subprocess.id}'"
    start_event_subprocess(execution, scope, subprocess, interrupting=True, reason=reason)
    keep_caught_error(execution, start, code, message)
