"""Exclusive, parallel and inclusive gateways, as splits and as joins.

A gateway with more than one incoming flow joins. Arriving tokens wait (TOKEN_JOINED) until
the join condition holds, then one JOIN_FIRED event consumes one waiting token per incoming
flow and creates the single token that leaves. That new token carries no `flow`, which is how a
retried incident on the split side is told apart from a fresh arrival.

- parallel join: a token has arrived on every incoming flow;
- inclusive join: at least one token has arrived and no other token of the same scope is still
  on its way to an incoming flow that has no token (the BPMN 2.0 activation rule, below).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.events import EventType
from engine.runtime.state import Token, TokenStatus, join_key

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def exclusive_gateway(execution: Execution, token: Token, node: Node) -> None:
    # Several incoming flows merge without waiting: each arrival passes through.
    execution.leave(token)


def parallel_gateway(execution: Execution, token: Token, node: Node) -> None:
    _join_then_leave(execution, token, node, _all_flows_arrived)


def inclusive_gateway(execution: Execution, token: Token, node: Node) -> None:
    _join_then_leave(execution, token, node, _no_token_can_still_arrive)


JoinCondition = Callable[["Execution", int, Node], bool]


def _join_then_leave(execution: Execution, token: Token, node: Node, may_fire: JoinCondition) -> None:
    """A join waits until `may_fire` holds; a split (or the token a join made) leaves at once."""
    if _arrives_at_join(token, node):
        execution.emit(EventType.TOKEN_JOINED, node.id, token.id)
        if not may_fire(execution, token.scope, node):
            return
        token = _fire(execution, token.scope, node)
    execution.leave(token)


def fire_ready_inclusive_joins(execution: Execution) -> bool:
    """Fire every waiting inclusive join that no token can reach any more; True if any fired.

    Called when no token is left to move, in a fixed order (scope, then gateway id) so the
    outcome is deterministic.
    """
    waiting = sorted(
        {
            (t.scope, t.node)
            for t in execution.state.tokens.values()
            if t.status is TokenStatus.JOINED
            and execution.graph.node(t.node).kind is NodeKind.INCLUSIVE_GATEWAY
        }
    )
    for scope, node_id in waiting:
        node = execution.graph.node(node_id)
        if _no_token_can_still_arrive(execution, scope, node):
            execution.leave(_fire(execution, scope, node))
            return True
    return False


def _arrives_at_join(token: Token, node: Node) -> bool:
    return len(node.incoming) > 1 and token.flow is not None


def _joined(execution: Execution, scope: int, node: Node) -> list[Token]:
    return [
        t
        for t in execution.state.tokens.values()
        if t.scope == scope and t.node == node.id and t.status is TokenStatus.JOINED
    ]


def _all_flows_arrived(execution: Execution, scope: int, node: Node) -> bool:
    arrived = {t.flow for t in _joined(execution, scope, node)}
    return all(flow in arrived for flow in node.incoming)


def _no_token_can_still_arrive(execution: Execution, scope: int, node: Node) -> bool:
    """The activation rule of BPMN 2.0 (section 13.3.5) for an inclusive join.

    The join waits while some token of its scope has a path to an incoming flow that has no
    token yet, unless that token also has a path to an incoming flow that has one (paths never
    pass through the join itself). The second half is what keeps joins inside loops, or behind
    a parallel join that waits for this one, from deadlocking.
    """
    tokens = execution.state.tokens_in_scope(scope)
    if any(
        t.node == node.id and t.status is not TokenStatus.JOINED and _arrives_at_join(t, node) for t in tokens
    ):
        return False  # it arrived in this very command and will join before anything fires
    occupied = {t.flow for t in tokens if t.node == node.id and t.status is TokenStatus.JOINED}
    empty = set(node.incoming) - occupied
    for other in tokens:
        if other.node == node.id:
            continue
        reached = _incoming_flows_reached(execution, other.node, node)
        if reached & empty and not reached & occupied:
            return False
    return True


def _incoming_flows_reached(execution: Execution, start: str, join: Node) -> set[str]:
    """Incoming flows of `join` that a token at `start` can reach without passing the join."""
    graph = execution.graph
    reached: set[str] = set()
    seen = {start}
    pending = [start]
    while pending:
        current = graph.node(pending.pop())
        # A token may also leave an activity through one of its boundary events.
        for boundary in current.boundary_events:
            if boundary not in seen:
                seen.add(boundary)
                pending.append(boundary)
        for flow_id in current.outgoing:
            target = graph.flow(flow_id).target
            if target == join.id:
                reached.add(flow_id)
            elif target not in seen:
                seen.add(target)
                pending.append(target)
    return reached


def _fire(execution: Execution, scope: int, node: Node) -> Token:
    """Consume the oldest waiting token of each incoming flow; return the token that leaves."""
    joined = _joined(execution, scope, node)
    consumed = []
    for flow in node.incoming:
        oldest = min((t.id for t in joined if t.flow == flow), default=None)
        if oldest is not None:
            consumed.append(oldest)
    consumed.sort()
    key = join_key(scope, node.id)
    generation = execution.state.join_generations.get(key, 0) + 1
    new_id = execution.state.next_token
    execution.emit(
        EventType.JOIN_FIRED, node.id, new_id, scope=scope, consumed=consumed, generation=generation
    )
    return execution.state.tokens[new_id]
