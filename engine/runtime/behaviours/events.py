"""Start, intermediate throw and end events (none and terminate)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.behaviours.escalations import throw_escalation
from engine.runtime.behaviours.message_throws import send_and_leave, send_before_leaving
from engine.runtime.effects import BroadcastSignal
from engine.runtime.events import EventType
from engine.runtime.state import ROOT_SCOPE, Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def pass_event(execution: Execution, token: Token, node: Node) -> None:
    """None start and intermediate throw events: the token moves straight on.

    A signal throw event broadcasts its signal as it passes (delivered after commit); a
    message throw event sends its message (engine.runtime.behaviours.message_throws).
    """
    if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.trigger == "compensate":
        from engine.runtime.behaviours.compensation import throw_compensation

        throw_compensation(execution, token, node)
        return
    if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.trigger == "message":
        send_and_leave(execution, token, node)
        return
    if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.trigger == "escalation":
        throw_escalation(execution, token, node)
        return
    if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and node.trigger == "signal":
        execution.effect(BroadcastSignal(node.message_name or "", node.id))
    execution.leave(token)


def end_event(execution: Execution, token: Token, node: Node) -> None:
    if node.trigger == "error":
        from engine.runtime.behaviours.errors import error_end_event

        error_end_event(execution, token, node)
        return
    if node.trigger in ("compensate", "cancel"):
        from engine.runtime.behaviours.compensation import cancel_end_event, throw_compensation

        (throw_compensation if node.trigger == "compensate" else cancel_end_event)(execution, token, node)
        return
    if node.trigger == "escalation":
        throw_escalation(execution, token, node)
        return
    if node.trigger == "signal":
        execution.effect(BroadcastSignal(node.message_name or "", node.id))
    if node.trigger == "message" and not send_before_leaving(execution, token, node):
        return
    if not node.terminate:
        execution.pass_through(token, node, [])
        return
    # A terminate end event ends its whole scope: at process level the instance, inside an
    # embedded subprocess only that subprocess, which then completes normally (BPMN 2.0 10.5.3).
    execution.emit(EventType.NODE_COMPLETED, node.id, token.id)
    execution.terminate_scope(token.scope, reason=f"terminate end event '{node.id}'")
    if token.scope == ROOT_SCOPE:
        execution.emit(EventType.INSTANCE_TERMINATED, node.id)
    else:
        execution.token_consumed(token.scope)
