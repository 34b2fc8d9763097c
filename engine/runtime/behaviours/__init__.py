"""One behaviour per BPMN element kind: what happens when a token arrives at such a node."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.behaviours import (
    activities,
    event_subprocesses,
    events,
    gateways,
    message_throws,
    subprocesses,
    subscriptions,
)
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution

Behaviour = Callable[["Execution", Token, Node], None]

BEHAVIOURS: dict[NodeKind, Behaviour] = {
    NodeKind.START_EVENT: events.pass_event,
    NodeKind.INTERMEDIATE_THROW_EVENT: events.pass_event,
    NodeKind.END_EVENT: events.end_event,
    NodeKind.TASK: activities.pass_activity,
    NodeKind.MANUAL_TASK: activities.pass_activity,
    NodeKind.SCRIPT_TASK: activities.script_task,
    NodeKind.SERVICE_TASK: activities.service_task,
    NodeKind.USER_TASK: activities.user_task,
    NodeKind.EXCLUSIVE_GATEWAY: gateways.exclusive_gateway,
    NodeKind.PARALLEL_GATEWAY: gateways.parallel_gateway,
    NodeKind.INCLUSIVE_GATEWAY: gateways.inclusive_gateway,
    NodeKind.SUB_PROCESS: subprocesses.enter_subprocess,
    NodeKind.TRANSACTION: subprocesses.enter_subprocess,
    # A token reaches a boundary event only when it caught something; it just moves on.
    NodeKind.BOUNDARY_EVENT: events.pass_event,
    NodeKind.INTERMEDIATE_CATCH_EVENT: subscriptions.catch_event,
    NodeKind.RECEIVE_TASK: subscriptions.catch_event,
    NodeKind.SEND_TASK: message_throws.send_and_leave,
    NodeKind.EVENT_BASED_GATEWAY: subscriptions.event_based_gateway,
}


def run_behaviour(execution: Execution, token: Token) -> None:
    node = execution.graph.node(token.node)
    if node.kind is NodeKind.START_EVENT and not event_subprocesses.arm_event_subprocesses(execution, token):
        return  # a correlation key failed: an incident; retrying runs the start event again
    if node.boundary_events:
        subscriptions.open_boundary_subscriptions(execution, token, node)
    BEHAVIOURS[node.kind](execution, token, node)
