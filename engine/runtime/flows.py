"""Which outgoing sequence flows a token takes when it leaves a node.

BPMN 2.0 rules, in the document order of the node's outgoing flows:
- parallel gateway: every flow, conditions are not looked at;
- exclusive gateway: the first flow whose condition is true, else the default flow;
- inclusive gateway: every flow whose condition is true, else the default flow;
- any other node: every unconditional flow plus every flow whose condition is true; the
  default flow only when no conditional flow is true.
A node with outgoing flows that selects none of them is an error (an incident), never a
silently vanished token.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.bpmn.graph import Node, NodeKind, ProcessGraph, SequenceFlow
from engine.expressions import ExpressionError, compile_expression


class FlowSelectionError(Exception):
    """No flow can be chosen (or a condition failed); the message is shown in the incident."""


def outgoing_flows(graph: ProcessGraph, node: Node, variables: Mapping[str, Any]) -> list[str]:
    if not node.outgoing or node.kind is NodeKind.PARALLEL_GATEWAY:
        return list(node.outgoing)
    candidates = [graph.flow(f) for f in node.outgoing if f != node.default_flow]
    if node.kind is NodeKind.EXCLUSIVE_GATEWAY:
        chosen = next(([flow.id] for flow in candidates if _holds(node, flow, variables)), [])
        conditional_taken = bool(chosen)
    else:
        chosen = [flow.id for flow in candidates if _holds(node, flow, variables)]
        conditional_taken = any(graph.flow(f).condition is not None for f in chosen)
        if node.kind is NodeKind.INCLUSIVE_GATEWAY:
            conditional_taken = bool(chosen)
    if not conditional_taken and node.default_flow is not None:
        chosen.append(node.default_flow)
        chosen.sort(key=node.outgoing.index)
    if not chosen:
        raise FlowSelectionError(
            f"{node.kind.value} '{node.id}': no outgoing sequence flow condition is true "
            "and there is no default flow"
        )
    return chosen


def _holds(node: Node, flow: SequenceFlow, variables: Mapping[str, Any]) -> bool:
    if flow.condition is None:
        return True
    try:
        return bool(compile_expression(flow.condition).evaluate(variables))
    except ExpressionError as error:
        raise FlowSelectionError(
            f"{node.kind.value} '{node.id}': condition of sequence flow '{flow.id}' "
            f"({flow.condition}) failed: {error.message}"
        ) from error
