"""Embedded subprocesses: a child scope with its own start event and tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node
from engine.runtime.behaviours.event_subprocesses import disarm_event_subprocesses, start_event_id
from engine.runtime.events import EventType
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def enter_subprocess(execution: Execution, token: Token, node: Node) -> None:
    scope = execution.state.next_scope
    execution.emit(EventType.SCOPE_STARTED, node.id, token.id, scope=scope)
    # An event subprocess starts at the start event of the event that started it.
    execution.arrive(start_event_id(execution.graph, node), scope, previous=token.id, flow=None)


def complete_scope(execution: Execution, scope_id: int) -> None:
    """The last token of a child scope ended: the subprocess completes and its token leaves."""
    scope = execution.state.scopes[scope_id]
    # Only the process scope lacks a node and a token, and it never completes through here.
    token = execution.state.tokens[scope.token or 0]
    # Its event subprocesses stop listening now, even if the token then fails to leave.
    disarm_event_subprocesses(execution, scope_id)
    execution.emit(EventType.SCOPE_COMPLETED, token.node, token.id, scope=scope_id)
    execution.leave(token)
