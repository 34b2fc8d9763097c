"""BPMN errors: thrown by error end events and by handlers, caught by error boundary events.

An error travels outward from where it is thrown: first the boundary events of the activity
itself, then those of each enclosing subprocess. At each level a boundary event with the same
errorCode wins over one that catches every error. The catching boundary event interrupts its
activity (everything still running inside it is withdrawn) and a token leaves through it.
Before the next enclosing subprocess's boundary events, an error event subprocess of the scope
the error is in catches it (engine.runtime.behaviours.event_subprocesses). An error nobody
catches is an incident on the token that threw it, never a silent end. Escalations are found
the same way (engine.runtime.behaviours.escalations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.events import EventType
from engine.runtime.state import Token, TokenStatus

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def error_end_event(execution: Execution, token: Token, node: Node) -> None:
    throw_error(execution, token, node.error_code, what=f"error end event '{node.id}'", completes=True)


def throw_error(
    execution: Execution,
    token: Token,
    code: str | None,
    *,
    what: str,
    message: str = "",
    completes: bool = False,
) -> None:
    """Throw a BPMN error at `token` (an error end event's, or a service task's).

    With `completes`, the thrower's node completes before the catching activity is interrupted
    (an error end event was reached); a task that throws is interrupted like the rest.
    """
    caught = find_catch(execution, token, code)
    if caught is None:
        described = f"'{code}'" if code else "without an error code"
        detail = f" ({message})" if message else ""
        execution.raise_incident(
            token, f"{what} threw a BPMN error {described}{detail} that no boundary event catches"
        )
        return
    activity_token, boundary = caught
    if completes:
        execution.emit(EventType.NODE_COMPLETED, token.node, token.id, error_code=code)
    if boundary.kind is NodeKind.START_EVENT:
        from engine.runtime.behaviours.event_subprocesses import error_caught_by_event_subprocess

        error_caught_by_event_subprocess(execution, activity_token.scope, boundary, code, message)
        return
    interrupt(execution, activity_token, reason=f"error caught by boundary event '{boundary.id}'")
    keep_caught_error(execution, boundary, code, message)
    execution.arrive(boundary.id, activity_token.scope, previous=activity_token.id, flow=None)


def keep_caught_error(execution: Execution, catcher: Node, code: str | None, message: str) -> None:
    """Store the error's code and message in the variables the catching event names, if any."""
    values = {}
    if catcher.error_code_variable:
        values[catcher.error_code_variable] = code
    if catcher.error_message_variable:
        values[catcher.error_message_variable] = message or None
    if values:
        execution.emit(EventType.VARIABLES_UPDATED, catcher.id, None, values=values)


def find_catch(
    execution: Execution, thrower: Token, code: str | None, *, trigger: str = "error"
) -> tuple[Token, Node] | None:
    """The activity token and boundary event that catch an error (or escalation) thrown at `thrower`.

    Between one activity's boundary events and the next enclosing one's, the error event
    subprocesses of the scope come first: then the token is one of that scope and the node is
    the error start event of the event subprocess.
    """
    from engine.runtime.behaviours.event_subprocesses import find_catching_start

    state, graph = execution.state, execution.graph
    current: Token | None = thrower
    while current is not None:
        boundaries = [graph.node(b) for b in graph.node(current.node).boundary_events]
        errors = [b for b in boundaries if b.trigger == trigger]
        exact = [b for b in errors if code is not None and b.error_code == code]
        catch_all = [b for b in errors if b.error_code is None]
        if exact or catch_all:
            return current, (exact or catch_all)[0]
        start = find_catching_start(execution, current, code, trigger=trigger)
        if start is not None:
            return current, start
        owner = state.scopes[current.scope].token
        current = state.tokens[owner] if owner is not None else None
    return None


def interrupt(execution: Execution, token: Token, *, reason: str) -> None:
    """Withdraw an activity's token and everything running inside it."""
    from engine.runtime.behaviours.compensation import keep_compensable_work

    keep_compensable_work(execution, token)
    if token.status is TokenStatus.IN_SCOPE:
        child = next(s.id for s in execution.state.scopes.values() if s.token == token.id)
        execution.terminate_scope(child, reason=reason)
    execution.withdraw(token, reason=reason)
