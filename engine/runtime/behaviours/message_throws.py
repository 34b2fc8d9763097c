"""Sending messages: send tasks, message intermediate throw events and message end events.

Two ways, chosen in the model. With a handler (bpm:type, as on a service task) the element
waits for a job like a service task does: that is how a message goes to another system.
Without one the engine publishes the message itself: the correlation key is evaluated here,
in the sender, the payload is the instance's variables (or those named in bpm:payload), and
the store delivers it after commit through its outbox (engine.store.outbox), to a waiting
token, a message start event, or the buffer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node
from engine.expressions import ExpressionError
from engine.runtime.behaviours.activities import service_task
from engine.runtime.behaviours.subscriptions import correlation_key
from engine.runtime.effects import PublishMessage
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def send_and_leave(execution: Execution, token: Token, node: Node) -> None:
    """Send task or message throw event: send, then move on (with a handler: once its job is done)."""
    if send_before_leaving(execution, token, node):
        execution.leave(token)


def send_before_leaving(execution: Execution, token: Token, node: Node) -> bool:
    """Send the node's message; whether the token may leave the node now.

    False when a handler's job now has to do the sending, or when the correlation key could
    not be evaluated (an incident on the token, retried like any other).
    """
    if node.service is not None:
        service_task(execution, token, node)
        return False
    try:
        key = correlation_key(node, execution.state.variables)
    except ExpressionError as error:
        execution.raise_incident(
            token, f"correlation key of '{node.id}' ({node.correlation_key}) failed: {error.message}"
        )
        return False
    variables = execution.state.variables
    names = variables.keys() if node.payload is None else [n for n in node.payload if n in variables]
    payload = {name: variables[name] for name in names}
    execution.effect(PublishMessage(node.id, node.message_name or "", key, payload))
    return True
