"""ProcessGraph <-> plain JSON data, so the store can keep the parsed graph next to its XML.

The JSON form lists nodes and flows in graph order and writes every field, so that
`graph_from_json(graph_to_json(g)) == g` holds exactly. `format` names the layout; a stored
graph in an unknown format is refused rather than half-read.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from engine.bpmn.graph import (
    FormField,
    Node,
    NodeKind,
    ProcessGraph,
    SequenceFlow,
    ServiceTaskDefinition,
    UserTaskDefinition,
)

FORMAT = 1


def graph_to_json(graph: ProcessGraph) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "id": graph.id,
        "name": graph.name,
        "nodes": [_node_to_json(node) for node in graph.nodes.values()],
        "flows": [_flow_to_json(flow) for flow in graph.flows.values()],
        "start_events": [{"scope": scope, "node": node} for scope, node in graph.start_events.items()],
    }


def graph_from_json(data: Mapping[str, Any]) -> ProcessGraph:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown process graph format {data.get('format')!r}; expected {FORMAT}")
    nodes = [_node_from_json(node) for node in data["nodes"]]
    flows = [_flow_from_json(flow) for flow in data["flows"]]
    return ProcessGraph(
        id=data["id"],
        name=data["name"],
        nodes=MappingProxyType({node.id: node for node in nodes}),
        flows=MappingProxyType({flow.id: flow for flow in flows}),
        start_events=MappingProxyType({entry["scope"]: entry["node"] for entry in data["start_events"]}),
    )


def _node_to_json(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind.value,
        "name": node.name,
        "scope": node.scope,
        "incoming": list(node.incoming),
        "outgoing": list(node.outgoing),
        "default_flow": node.default_flow,
        "line": node.line,
        "terminate": node.terminate,
        "script": node.script,
        "service": None if node.service is None else _service_to_json(node.service),
        "user_task": None if node.user_task is None else _user_task_to_json(node.user_task),
        "trigger": node.trigger,
        "error_code": node.error_code,
        "attached_to": node.attached_to,
        "boundary_events": list(node.boundary_events),
        "timer": None if node.timer is None else list(node.timer),
        "cancel_activity": node.cancel_activity,
        "message_name": node.message_name,
        "correlation_key": node.correlation_key,
        "compensation_handler": node.compensation_handler,
        "for_compensation": node.for_compensation,
        "activity_ref": node.activity_ref,
        "wait_for_completion": node.wait_for_completion,
        "payload": None if node.payload is None else list(node.payload),
        "triggered_by_event": node.triggered_by_event,
        "error_code_variable": node.error_code_variable,
        "error_message_variable": node.error_message_variable,
    }


def _node_from_json(data: Mapping[str, Any]) -> Node:
    return Node(
        id=data["id"],
        kind=NodeKind(data["kind"]),
        name=data["name"],
        scope=data["scope"],
        incoming=tuple(data["incoming"]),
        outgoing=tuple(data["outgoing"]),
        default_flow=data["default_flow"],
        line=data["line"],
        terminate=data["terminate"],
        script=data["script"],
        service=None if data["service"] is None else _service_from_json(data["service"]),
        user_task=None if data["user_task"] is None else _user_task_from_json(data["user_task"]),
        # Graphs stored before boundary events existed lack these keys.
        trigger=data.get("trigger"),
        error_code=data.get("error_code"),
        attached_to=data.get("attached_to"),
        boundary_events=tuple(data.get("boundary_events", ())),
        timer=None if data.get("timer") is None else (data["timer"][0], data["timer"][1]),
        cancel_activity=data.get("cancel_activity", True),
        message_name=data.get("message_name"),
        correlation_key=data.get("correlation_key"),
        compensation_handler=data.get("compensation_handler"),
        for_compensation=data.get("for_compensation", False),
        activity_ref=data.get("activity_ref"),
        wait_for_completion=data.get("wait_for_completion", True),
        payload=None if data.get("payload") is None else tuple(data["payload"]),
        triggered_by_event=data.get("triggered_by_event", False),
        error_code_variable=data.get("error_code_variable"),
        error_message_variable=data.get("error_message_variable"),
    )


def _flow_to_json(flow: SequenceFlow) -> dict[str, Any]:
    return {
        "id": flow.id,
        "source": flow.source,
        "target": flow.target,
        "condition": flow.condition,
        "name": flow.name,
        "line": flow.line,
    }


def _flow_from_json(data: Mapping[str, Any]) -> SequenceFlow:
    return SequenceFlow(
        id=data["id"],
        source=data["source"],
        target=data["target"],
        condition=data["condition"],
        name=data["name"],
        line=data["line"],
    )


def _service_to_json(service: ServiceTaskDefinition) -> dict[str, Any]:
    # A list value is an item list (argv); a string is a single value.
    fields = {
        name: list(value) if isinstance(value, tuple) else value for name, value in service.fields.items()
    }
    return {"type": service.type, "fields": fields, "retry": service.retry}


def _service_from_json(data: Mapping[str, Any]) -> ServiceTaskDefinition:
    fields = {
        name: tuple(value) if isinstance(value, list) else value for name, value in data["fields"].items()
    }
    return ServiceTaskDefinition(type=data["type"], fields=MappingProxyType(fields), retry=data["retry"])


def _user_task_to_json(task: UserTaskDefinition) -> dict[str, Any]:
    return {
        "assignee": task.assignee,
        "candidate_groups": list(task.candidate_groups),
        "candidate_users": list(task.candidate_users),
        "due_date": task.due_date,
        "form_key": task.form_key,
        "form_fields": [
            {
                "id": field.id,
                "label": field.label,
                "type": field.type,
                "required": field.required,
                "default": field.default,
                "values": [list(pair) for pair in field.values],
                "constraints": [list(pair) for pair in field.constraints],
            }
            for field in task.form_fields
        ],
    }


def _user_task_from_json(data: Mapping[str, Any]) -> UserTaskDefinition:
    return UserTaskDefinition(
        assignee=data["assignee"],
        candidate_groups=tuple(data["candidate_groups"]),
        candidate_users=tuple(data["candidate_users"]),
        due_date=data["due_date"],
        form_key=data["form_key"],
        form_fields=tuple(
            FormField(
                id=field["id"],
                label=field["label"],
                type=field["type"],
                required=field["required"],
                default=field["default"],
                values=tuple((value_id, label) for value_id, label in field["values"]),
                constraints=tuple((name, config) for name, config in field["constraints"]),
            )
            for field in data["form_fields"]
        ),
    )
