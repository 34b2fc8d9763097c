"""Waiting for something from outside the token's own task: timers and messages.

Timer and message catch events, receive tasks, and timer and message boundary events open a
*subscription* owned by a token (the waiting token, or the activity's token for a boundary
event). The kernel only says that a token waits and for what; the store arms the timer (when
is its business: it has the clock) or indexes the message subscription by name and
correlation key, and later sends FireTimer or CorrelateMessage. A subscription closes with
its token, so a late timer or message meets a closed subscription and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.bpmn.graph import Node, NodeKind
from engine.expressions import ExpressionError, compile_expression
from engine.runtime.effects import CancelSubscription, ScheduleTimer, SubscribeMessage, SubscribeSignal
from engine.runtime.events import EventType
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution

#: Boundary and catch event triggers that wait on a subscription.
WAITING_TRIGGERS = frozenset({"timer", "message", "signal"})


def catch_event(execution: Execution, token: Token, node: Node) -> None:
    """Timer or message intermediate catch event, or receive task: wait for it."""
    execution.emit(EventType.TASK_WAITING, node.id, token.id, kind=node.trigger)
    open_subscription(execution, token, node)


def event_based_gateway(execution: Execution, token: Token, node: Node) -> None:
    """Wait for whichever of the events after the gateway happens first (BPMN 2.0 10.6.6)."""
    execution.emit(EventType.TASK_WAITING, node.id, token.id, kind="event")
    # After a retried incident (a correlation key failed) the events already armed stay armed.
    opened = {s.node for s in execution.state.subscriptions.values() if s.token == token.id}
    for flow_id in node.outgoing:
        target = execution.graph.flow(flow_id).target
        if target not in opened:
            open_subscription(execution, token, execution.graph.node(target))


def open_boundary_subscriptions(execution: Execution, token: Token, activity: Node) -> None:
    """Arm the activity's timer and message boundary events as its token enters it (once)."""
    if any(s.token == token.id for s in execution.state.subscriptions.values()):
        return  # the activity runs again after a retried incident: its boundaries are still armed
    for boundary_id in activity.boundary_events:
        boundary = execution.graph.node(boundary_id)
        if boundary.trigger in WAITING_TRIGGERS:
            open_subscription(execution, token, boundary)


def open_subscription(execution: Execution, token: Token, event: Node) -> None:
    subscribe(execution, token, event, owner=token.id)


def subscribe(execution: Execution, token: Token, event: Node, *, owner: int | None) -> bool:
    """Open a subscription for `event`, owned by token `owner` (None: the process scope, for
    event subprocesses). A correlation key that fails is an incident on `token` (False).
    """
    subscription = execution.state.next_subscription
    if event.trigger == "timer":
        execution.emit(
            EventType.SUBSCRIPTION_OPENED, event.id, owner, subscription=subscription, kind="timer"
        )
        execution.effect(ScheduleTimer(subscription, event.id))
        return True
    if event.trigger == "signal":
        name = event.message_name or ""
        execution.emit(
            EventType.SUBSCRIPTION_OPENED,
            event.id,
            owner,
            subscription=subscription,
            kind="signal",
            message=name,
        )
        execution.effect(SubscribeSignal(subscription, event.id, name))
        return True
    try:
        key = correlation_key(event, execution.state.variables)
    except ExpressionError as error:
        execution.raise_incident(
            token, f"correlation key of '{event.id}' ({event.correlation_key}) failed: {error.message}"
        )
        return False
    execution.emit(
        EventType.SUBSCRIPTION_OPENED,
        event.id,
        owner,
        subscription=subscription,
        kind="message",
        message=event.message_name,
        key=key,
    )
    execution.effect(SubscribeMessage(subscription, event.id, event.message_name or "", key))
    return True


def correlation_key(event: Node, variables: Mapping[str, Any]) -> str | None:
    """The key a message must carry to reach this subscription (None: any key)."""
    if event.correlation_key is None:
        return None
    value = compile_expression(event.correlation_key).evaluate(variables)
    return None if value is None else str(value)


def close_subscriptions_of(execution: Execution, token_id: int | None) -> None:
    """Close what `token_id` owns (None: the process scope's, when the instance ends)."""
    for subscription in [s for s in execution.state.subscriptions.values() if s.token == token_id]:
        close_subscription(execution, subscription.id)


def close_subscription(execution: Execution, subscription_id: int) -> None:
    subscription = execution.state.subscriptions[subscription_id]
    execution.emit(
        EventType.SUBSCRIPTION_CLOSED, subscription.node, subscription.token, subscription=subscription_id
    )
    execution.effect(CancelSubscription(subscription_id))


def trigger(
    execution: Execution, subscription_id: int, kind: str, variables: Mapping[str, Any] | None = None
) -> None:
    """A timer fired or a message arrived for this subscription: the waiting token moves on."""
    from engine.runtime.behaviours.errors import interrupt
    from engine.runtime.behaviours.event_subprocesses import event_subprocess_triggered, is_event_start
    from engine.runtime.kernel import CommandRejected

    execution.require_running()
    subscription = execution.state.subscriptions.get(subscription_id)
    if subscription is None or subscription.kind != kind:
        raise CommandRejected(f"{kind} subscription {subscription_id} is no longer active")
    event = execution.graph.node(subscription.node)
    if is_event_start(execution.graph, event):
        event_subprocess_triggered(execution, subscription, kind, variables)
        return
    token = execution.state.tokens[subscription.token or 0]
    if variables:
        execution.emit(EventType.VARIABLES_UPDATED, event.id, token.id, values=dict(variables))
    if token.node != event.id and event.kind is not NodeKind.BOUNDARY_EVENT:
        # An event after an event-based gateway won: the gateway completes, which closes the
        # subscriptions of the other events, and the token passes the event that happened.
        flow = next(
            f for f in execution.graph.node(token.node).outgoing if execution.graph.flow(f).target == event.id
        )
        execution.emit(EventType.NODE_COMPLETED, token.node, token.id)
        passed = execution.arrive(event.id, token.scope, previous=token.id, flow=flow, run=False)
        execution.leave(execution.state.tokens[passed])
        return
    if event.kind is not NodeKind.BOUNDARY_EVENT:
        close_subscription(execution, subscription_id)
        execution.leave(token)
        return
    if event.cancel_activity:
        # Withdrawing the activity's token closes all its subscriptions, this one included.
        interrupt(execution, token, reason=f"{kind} boundary event '{event.id}'")
    elif kind == "timer" and event.timer is not None and event.timer[0] == "cycle":
        pass  # a cycle stays armed for its next repetition
    elif kind == "timer":
        close_subscription(execution, subscription_id)  # a date or duration fires once
    # A non-interrupting message or signal boundary stays open: each one starts a path.
    execution.arrive(event.id, token.scope, previous=token.id, flow=None)
