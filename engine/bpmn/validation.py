"""Rules between elements a process must satisfy before the engine runs it.

Each rule appends problems to the draft and carries on, so the modeller gets the full list in
one go. Rules skip what an earlier rule already reported (a flow to a refused element is not
also "unknown", the content of a refused subprocess is not also "unreachable").
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn.compensation import check_compensation
from engine.bpmn.draft import DraftFlow, DraftNode, DraftProcess, DraftScope
from engine.bpmn.event_subprocesses import check_event_subprocesses
from engine.bpmn.graph import NodeKind
from engine.bpmn.reachability import reachable_from
from engine.bpmn.support import ACTIVITIES

_CHOOSING_GATEWAYS = frozenset({NodeKind.EXCLUSIVE_GATEWAY, NodeKind.INCLUSIVE_GATEWAY})


def validate(draft: DraftProcess) -> None:
    connections = _connect(draft)
    _check_start_events(draft)
    _check_reachability(draft, connections)
    check_compensation(draft, connections.outgoing, connections.incoming)
    check_event_subprocesses(draft, connections.outgoing, connections.incoming)
    for node in draft.nodes.values():
        if node.kind is not None:
            _check_node_flows(draft, node, connections.outgoing[node.id], connections.incoming[node.id])


@dataclass(slots=True)
class _Connections:
    """The sound sequence flows (both ends known, in the flow's own scope), by node."""

    outgoing: dict[str, list[DraftFlow]]
    incoming: dict[str, list[DraftFlow]]
    successors: dict[str, list[str]]


def _connect(draft: DraftProcess) -> _Connections:
    """Report flows with a missing, unknown or out-of-scope end; connect the sound ones."""
    connections = _Connections(
        outgoing={node_id: [] for node_id in draft.nodes},
        incoming={node_id: [] for node_id in draft.nodes},
        successors={node_id: [] for node_id in draft.nodes},
    )
    for flow in draft.flows.values():
        source = _flow_end(draft, flow, "sourceRef", flow.source)
        target = _flow_end(draft, flow, "targetRef", flow.target)
        if source is not None and target is not None:
            connections.outgoing[source].append(flow)
            connections.incoming[target].append(flow)
            connections.successors[source].append(target)
    return connections


def _flow_end(draft: DraftProcess, flow: DraftFlow, end: str, ref: str | None) -> str | None:
    """`ref` when it names a node in the flow's scope, else None after reporting why not."""
    node = draft.nodes.get(ref) if ref is not None else None
    if ref is None:
        draft.report(flow.element, f"sequence flow has no {end}")
    elif node is None:
        draft.report(flow.element, f"{end} '{ref}' is not a flow element of process '{draft.id}'")
    elif node.scope != flow.scope:
        draft.report(
            flow.element,
            f"sequence flow crosses a subprocess boundary: its {end} '{ref}' is in "
            f"{_describe_scope(draft, node.scope)} but the flow is in {_describe_scope(draft, flow.scope)}",
        )
    else:
        return ref
    return None


def _describe_scope(draft: DraftProcess, scope: str | None) -> str:
    return f"process '{draft.id}'" if scope is None else f"{draft.scopes[scope].element.local} '{scope}'"


def _check_start_events(draft: DraftProcess) -> None:
    for scope in draft.scopes.values():
        if not scope.runnable or (scope.id is not None and draft.nodes[scope.id].triggered_by_event):
            continue  # an event subprocess's one start event is checked with the rest of it
        start_events = [
            node for node in draft.nodes.values() if node.scope == scope.id and node.local == "startEvent"
        ]
        none_starts = [n for n in start_events if n.kind is NodeKind.START_EVENT and not n.trigger]
        what = "process" if scope.id is None else "subprocess"
        if not start_events:
            draft.report(
                scope.element, f"the {what} has no start event; it needs exactly one none start event"
            )
        for extra in none_starts[1:]:
            draft.report(
                extra.element,
                f"more than one none start event in {_describe_scope(draft, scope.id)} (the first is "
                f"'{none_starts[0].id}'); the engine needs exactly one",
            )
        _check_triggered_start_events(draft, scope, [node for node in start_events if node.trigger])


def _check_triggered_start_events(draft: DraftProcess, scope: DraftScope, triggered: list[DraftNode]) -> None:
    """Timer, message and signal start events start instances: at process level only.

    (Event subprocesses, whose start events follow their own rules, are not checked here.)
    """
    if scope.id is not None:
        for node in triggered:
            draft.report(
                node.element,
                f"a {node.trigger} start event cannot start an embedded subprocess; its start event "
                "must be a none start event",
            )
        return
    first_by_message: dict[str, DraftNode] = {}
    for node in triggered:
        if node.trigger != "message" or node.message_name is None:
            continue
        first = first_by_message.setdefault(node.message_name, node)
        if first is not node:
            draft.report(
                node.element,
                f"start event '{first.id}' already starts the process with message '{node.message_name}'",
            )


def _check_reachability(draft: DraftProcess, connections: _Connections) -> None:
    """Every runnable node must be reachable from its scope's start event."""
    successors = {node_id: list(targets) for node_id, targets in connections.successors.items()}
    for node in draft.nodes.values():
        if node.attached_to in successors:
            successors[node.attached_to].append(node.id)  # a boundary event fires from its activity
    # Elements the engine refuses and nothing flows into (boundary events, link catch events)
    # are entry points of constructs already reported; what follows them is not "unreachable".
    roots = [
        node.id
        for node in draft.nodes.values()
        if node.local == "startEvent"
        or node.triggered_by_event  # started by its start event, not by a flow
        or node.for_compensation  # a compensation handler: started by compensation, not by a flow
        or (node.kind is None and not connections.incoming[node.id] and node.attached_to is None)
    ]
    reached = reachable_from(roots, successors)
    started_scopes = {node.scope for node in draft.nodes.values() if node.local == "startEvent"}
    for node in draft.nodes.values():
        if node.kind is None or node.id in reached or node.scope not in started_scopes:
            continue
        if draft.scopes[node.scope].runnable:
            draft.report(
                node.element, f"not reachable from the start event of {_describe_scope(draft, node.scope)}"
            )


def _check_node_flows(
    draft: DraftProcess, node: DraftNode, outgoing: list[DraftFlow], incoming: list[DraftFlow]
) -> None:
    if node.kind is NodeKind.START_EVENT and incoming:
        draft.report(node.element, f"a start event cannot have incoming sequence flows ({_ids(incoming)})")
    if node.kind is NodeKind.END_EVENT and outgoing:
        draft.report(node.element, f"an end event cannot have outgoing sequence flows ({_ids(outgoing)})")
    if node.kind is NodeKind.BOUNDARY_EVENT:
        _check_boundary_event(draft, node, outgoing, incoming)
    if node.kind is NodeKind.EVENT_BASED_GATEWAY:
        _check_event_based_gateway(draft, node, outgoing)
    if node.default_flow is not None:
        _check_default_flow(draft, node, node.default_flow)
    if node.kind in _CHOOSING_GATEWAYS and len(outgoing) > 1:
        for flow in outgoing:
            if flow.id != node.default_flow and not flow.has_condition:
                draft.report(
                    flow.element,
                    f"sequence flow leaves {node.local} '{node.id}', which has several outgoing flows, so it "
                    "needs a condition (or must be the gateway's default flow)",
                )
    if node.kind is NodeKind.PARALLEL_GATEWAY:
        for flow in outgoing:
            if flow.has_condition:
                draft.report(
                    flow.element,
                    f"sequence flow leaves parallelGateway '{node.id}', which ignores conditions; remove the "
                    "condition or use an inclusive gateway",
                    line=flow.condition_line,
                )


def _check_boundary_event(
    draft: DraftProcess, node: DraftNode, outgoing: list[DraftFlow], incoming: list[DraftFlow]
) -> None:
    host = draft.nodes.get(node.attached_to or "")
    if host is None:
        draft.report(
            node.element, f"attachedToRef '{node.attached_to or ''}' names no activity of this process"
        )
    elif host.kind is not None and host.kind not in ACTIVITIES:
        draft.report(node.element, f"a boundary event must be attached to an activity, not to {host.local}")
    elif host.scope != node.scope:
        draft.report(node.element, f"a boundary event must be in the same scope as its activity '{host.id}'")
    if incoming:
        draft.report(node.element, f"a boundary event cannot have incoming sequence flows ({_ids(incoming)})")
    if not outgoing and node.trigger != "compensate":  # compensation: see engine.bpmn.compensation
        draft.report(node.element, "a boundary event needs an outgoing sequence flow to continue on")


def _check_event_based_gateway(draft: DraftProcess, node: DraftNode, outgoing: list[DraftFlow]) -> None:
    """Each way out must be an event that waits (timer or message catch, receive task)."""
    if len(outgoing) < 2:
        draft.report(
            node.element, "an event-based gateway needs at least two outgoing flows to choose between"
        )
    for flow in outgoing:
        target = draft.nodes[flow.target or ""]
        if flow.has_condition:
            draft.report(flow.element, "a flow leaving an event-based gateway cannot have a condition")
        waits = target.kind is NodeKind.RECEIVE_TASK or (
            target.kind is NodeKind.INTERMEDIATE_CATCH_EVENT and target.trigger in ("timer", "message")
        )
        if target.kind is not None and not waits:
            draft.report(
                flow.element,
                f"an event-based gateway must lead to timer or message catch events or receive tasks, "
                f"not to {target.local} '{target.id}'",
            )
        elif target.kind is not None and len([f for f in draft.flows.values() if f.target == target.id]) > 1:
            draft.report(
                target.element,
                f"an event after event-based gateway '{node.id}' cannot have other incoming flows",
            )


def _check_default_flow(draft: DraftProcess, node: DraftNode, default: str) -> None:
    if node.kind not in _CHOOSING_GATEWAYS and node.kind not in ACTIVITIES:
        draft.report(
            node.element, "only exclusive and inclusive gateways and activities can have a default flow"
        )
        return
    flow = draft.flows.get(default)
    if flow is None or flow.source != node.id:
        draft.report(
            node.element, f"default flow '{default}' is not an outgoing sequence flow of this element"
        )
    elif flow.has_condition:
        draft.report(
            node.element,
            f"default flow '{default}' has a condition; a default flow is taken when no condition holds, "
            "so it must not have one",
        )


def _ids(flows: list[DraftFlow]) -> str:
    return ", ".join(f"'{flow.id}'" for flow in flows)
