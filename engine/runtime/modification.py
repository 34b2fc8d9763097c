"""Operator commands: move tokens by hand (instance modification) and set variables.

Camunda calls the first "process instance modification": an operator cancels the token at
one node and starts a new one at another, say to skip a step that cannot succeed or to run
one again. Everything is written with the ordinary events (token_terminated with reason
"modified", token_arrived without a flow, variables_updated), so replay, verification and
the history need nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from engine.bpmn.graph import NodeKind

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution

_NOT_STARTABLE = frozenset({NodeKind.BOUNDARY_EVENT})


@dataclass(frozen=True, slots=True)
class ModifyInstance:
    """Withdraw every live token at each node of `cancel`, then start a token at each of `start`."""

    cancel: tuple[str, ...] = ()
    start: tuple[str, ...] = ()
    reason: str = "modified"


@dataclass(frozen=True, slots=True)
class SetVariables:
    """Set (add or overwrite) instance variables from outside, e.g. an operator fixing a value."""

    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


def modify(execution: Execution, command: ModifyInstance) -> None:
    """Apply `command`; raise CommandRejected (nothing changed) when a node cannot be used.

    Cancellations come first, so a token can be started inside a subprocess whose other
    tokens were just cancelled; a scope left without tokens completes only after the
    starts, so cancelling the last token in favour of a new one does not end the instance.
    """
    from engine.runtime.kernel import CommandRejected
    from engine.runtime.state import ROOT_SCOPE, TokenStatus

    execution.require_running()
    if not command.cancel and not command.start:
        raise CommandRejected("name at least one node to cancel a token at or to start a token at")
    graph = execution.graph
    for node_id in (*command.cancel, *command.start):
        if node_id not in graph.nodes:
            raise CommandRejected(f"'{node_id}' is not a node of process '{graph.id}'")
    touched_scopes: set[int] = set()
    for node_id in command.cancel:
        tokens = [t for t in execution.state.tokens.values() if t.node == node_id]
        if not tokens:
            raise CommandRejected(f"no token is at '{node_id}'")
        for token in tokens:
            if token.id not in execution.state.tokens:
                continue  # withdrawn with an enclosing subprocess cancelled just before
            if token.status is TokenStatus.IN_SCOPE:
                child = next(s.id for s in execution.state.scopes.values() if s.token == token.id)
                execution.terminate_scope(child, reason=command.reason)
            execution.withdraw(token, reason=command.reason)
            touched_scopes.add(token.scope)
    for node_id in command.start:
        node = graph.node(node_id)
        if node.kind in _NOT_STARTABLE:
            raise CommandRejected(
                f"'{node_id}' is a {node.kind.value}: start a token at its activity instead"
            )
        scopes = [s.id for s in execution.state.scopes.values() if s.node == node.scope]
        if node.scope is None:
            scopes = [ROOT_SCOPE]
        if len(scopes) != 1:
            state = "is not running" if not scopes else f"runs {len(scopes)} times"
            raise CommandRejected(
                f"cannot start a token at '{node_id}': its subprocess '{node.scope}' {state}"
            )
        execution.arrive(node_id, scopes[0], previous=None, flow=None)
    for scope in sorted(touched_scopes, reverse=True):
        if scope in execution.state.scopes and not execution.state.tokens_in_scope(scope):
            execution.token_consumed(scope)


def set_variables(execution: Execution, command: SetVariables) -> None:
    from engine.runtime.events import EventType

    execution.require_running()
    execution.emit(EventType.VARIABLES_UPDATED, values=dict(command.values))
