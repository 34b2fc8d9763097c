"""Timer events: intermediate timer catch events and timer boundary events.

The kernel only says *that* a token waits for a timer (a subscription, plus a ScheduleTimer
effect naming the event node); the store computes *when* from the node's ISO-8601 definition
and its clock, and sends FireTimer when it is due. So the kernel stays free of clocks, and a
timer that fires late, or twice by mistake, meets a closed subscription and is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.effects import CancelTimer, ScheduleTimer
from engine.runtime.events import EventType
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def intermediate_catch_event(execution: Execution, token: Token, node: Node) -> None:
    execution.emit(EventType.TASK_WAITING, node.id, token.id, kind="timer")
    open_subscription(execution, token, node)


def open_boundary_timers(execution: Execution, token: Token, activity: Node) -> None:
    """Arm the activity's timer boundary events as its token enters it (once per visit)."""
    if any(s.token == token.id for s in execution.state.subscriptions.values()):
        return  # the activity runs again after a retried incident: its timers are still armed
    for boundary_id in activity.boundary_events:
        boundary = execution.graph.node(boundary_id)
        if boundary.trigger == "timer":
            open_subscription(execution, token, boundary)


def open_subscription(execution: Execution, token: Token, event: Node) -> None:
    subscription = execution.state.next_subscription
    execution.emit(EventType.SUBSCRIPTION_OPENED, event.id, token.id, subscription=subscription, kind="timer")
    execution.effect(ScheduleTimer(subscription, event.id))


def close_subscriptions_of(execution: Execution, token_id: int) -> None:
    for subscription in [s for s in execution.state.subscriptions.values() if s.token == token_id]:
        close_subscription(execution, subscription.id)


def close_subscription(execution: Execution, subscription_id: int) -> None:
    subscription = execution.state.subscriptions[subscription_id]
    execution.emit(
        EventType.SUBSCRIPTION_CLOSED, subscription.node, subscription.token, subscription=subscription_id
    )
    execution.effect(CancelTimer(subscription_id))


def fire(execution: Execution, subscription_id: int) -> None:
    from engine.runtime.behaviours.errors import interrupt
    from engine.runtime.kernel import CommandRejected

    execution.require_running()
    subscription = execution.state.subscriptions.get(subscription_id)
    if subscription is None:
        raise CommandRejected(f"timer subscription {subscription_id} is no longer active")
    event = execution.graph.node(subscription.node)
    token = execution.state.tokens[subscription.token]
    if event.kind is NodeKind.INTERMEDIATE_CATCH_EVENT:
        close_subscription(execution, subscription_id)
        execution.leave(token)
        return
    if event.cancel_activity:
        # Withdrawing the activity's token closes all its subscriptions, this one included.
        interrupt(execution, token, reason=f"timer boundary event '{event.id}' fired")
    elif event.timer is None or event.timer[0] != "cycle":
        close_subscription(execution, subscription_id)  # a cycle stays armed for its next firing
    execution.arrive(event.id, token.scope, previous=token.id, flow=None)
