"""BPMN 2.0 XML -> validated, immutable ProcessGraph.

Reads files as bpmn-js, Camunda Modeler and other tools write them (any namespace prefix,
diagram information optional, several processes per file). Every problem is collected and
raised at once in a BpmnError, so one deployment attempt tells the modeller everything to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from engine.bpmn.draft import DraftProcess, problem_at
from engine.bpmn.errors import BpmnError, Problem
from engine.bpmn.graph import Node, NodeKind, ProcessGraph, SequenceFlow
from engine.bpmn.reader import read_process
from engine.bpmn.safe_xml import DEFAULT_MAX_BYTES, XmlElement, parse_xml
from engine.bpmn.support import BPMN_MODEL_NS
from engine.bpmn.validation import validate


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    id: str
    name: str | None
    executable: bool


def list_processes(xml: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[ProcessInfo]:
    """The processes of a BPMN file in document order; raises BpmnError if it is not one."""
    return [
        ProcessInfo(
            id=process.get("id") or "",
            name=process.get("name") or None,
            executable=_is_executable(process),
        )
        for process in _processes(_definitions(xml, max_bytes))
    ]


def parse_bpmn(
    xml: bytes | str, *, process_id: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ProcessGraph:
    """Parse and validate one process of a BPMN file.

    `process_id` picks the process; without it the file's only process is used, else its only
    executable one. Raises BpmnError listing every problem found.
    """
    definitions = _definitions(xml, max_bytes)
    process = _select_process(definitions, process_id)
    draft = read_process(
        process,
        _error_codes(definitions),
        _root_names(definitions, "message"),
        _root_names(definitions, "signal"),
        escalation_codes=_root_codes(definitions, "escalation", "escalationCode"),
    )
    validate(draft)
    if draft.problems:
        raise BpmnError(sorted(draft.problems, key=lambda problem: problem.line or 0))
    return build_graph(draft)


def _definitions(xml: bytes | str, max_bytes: int) -> XmlElement:
    root = parse_xml(xml, max_bytes=max_bytes)
    if root.namespace != BPMN_MODEL_NS or root.local != "definitions":
        found = f"{{{root.namespace}}}{root.local}" if root.namespace else root.local
        raise BpmnError(
            [
                Problem(
                    f"not a BPMN 2.0 file: the root element is {found}, expected definitions in the "
                    f"namespace {BPMN_MODEL_NS}",
                    line=root.line,
                )
            ]
        )
    return root


def _error_codes(definitions: XmlElement) -> dict[str, str]:
    """errorCode of every <error id=... errorCode=...> of the file (the id when it has none)."""
    return _root_codes(definitions, "error", "errorCode")


def _root_codes(definitions: XmlElement, local: str, code: str) -> dict[str, str]:
    """The `code` attribute of every <local> root element of the file by id (the id when it has none)."""
    return {
        element.get("id") or "": (element.get(code) or element.get("id") or "").strip()
        for element in definitions.children_in(BPMN_MODEL_NS)
        if element.local == local and element.get("id")
    }


def _root_names(definitions: XmlElement, local: str) -> dict[str, str]:
    """name of every <message> (or <signal>) of the file, by id (the id when it has no name)."""
    return {
        element.get("id") or "": (element.get("name") or element.get("id") or "").strip()
        for element in definitions.children_in(BPMN_MODEL_NS)
        if element.local == local and element.get("id")
    }


def _processes(definitions: XmlElement) -> list[XmlElement]:
    processes = [child for child in definitions.children_in(BPMN_MODEL_NS) if child.local == "process"]
    problems = [problem_at(process, "process has no id") for process in processes if not process.get("id")]
    if problems:
        raise BpmnError(problems)
    return processes


def _is_executable(process: XmlElement) -> bool:
    return (process.get("isExecutable") or "").strip().lower() == "true"


def _select_process(definitions: XmlElement, process_id: str | None) -> XmlElement:
    processes = _processes(definitions)
    ids = ", ".join(process.get("id") or "" for process in processes)
    if not processes:
        raise BpmnError([Problem("the file contains no process", line=definitions.line)])
    if process_id is not None:
        for process in processes:
            if process.get("id") == process_id:
                return process
        raise BpmnError([Problem(f"the file has no process '{process_id}'; its processes are: {ids}")])
    if len(processes) == 1:
        return processes[0]
    executable = [process for process in processes if _is_executable(process)]
    if len(executable) == 1:
        return executable[0]
    candidates = ", ".join(process.get("id") or "" for process in executable) if executable else ids
    which = "executable processes" if executable else 'processes and none is isExecutable="true"'
    raise BpmnError(
        [Problem(f"the file has {len(executable) or len(processes)} {which}; choose one by id: {candidates}")]
    )


def build_graph(draft: DraftProcess) -> ProcessGraph:
    """The immutable graph of a draft that passed validation (every flow has both ends)."""
    flows = {
        flow.id: SequenceFlow(
            id=flow.id,
            source=flow.source,
            target=flow.target,
            condition=flow.condition,
            name=flow.element.get("name") or None,
            line=flow.element.line,
        )
        for flow in draft.flows.values()
        if flow.source is not None and flow.target is not None
    }
    incoming: dict[str, list[str]] = {node_id: [] for node_id in draft.nodes}
    outgoing: dict[str, list[str]] = {node_id: [] for node_id in draft.nodes}
    for flow in flows.values():
        outgoing[flow.source].append(flow.id)
        incoming[flow.target].append(flow.id)
    nodes = {
        node.id: Node(
            id=node.id,
            kind=node.kind,
            name=node.element.get("name") or None,
            scope=node.scope,
            incoming=tuple(incoming[node.id]),
            outgoing=tuple(outgoing[node.id]),
            default_flow=node.default_flow,
            line=node.element.line,
            terminate=node.terminate,
            script=node.script,
            service=node.service,
            user_task=node.user_task,
            trigger=node.trigger,
            error_code=node.error_code,
            attached_to=node.attached_to,
            timer=node.timer,
            cancel_activity=node.cancel_activity,
            message_name=node.message_name,
            correlation_key=node.correlation_key,
            compensation_handler=node.compensation_handler,
            for_compensation=node.for_compensation,
            activity_ref=node.activity_ref,
            wait_for_completion=node.wait_for_completion,
            payload=node.payload,
            triggered_by_event=node.triggered_by_event,
            error_code_variable=node.error_code_variable,
            error_message_variable=node.error_message_variable,
            boundary_events=tuple(
                b.id for b in draft.nodes.values() if b.attached_to == node.id and b.kind is not None
            ),
        )
        for node in draft.nodes.values()
        if node.kind is not None
    }
    # Timer, message and signal start events are found by their trigger; this maps none starts.
    start_events = {
        node.scope: node.id
        for node in draft.nodes.values()
        if node.kind is NodeKind.START_EVENT and node.trigger is None
    }
    return ProcessGraph(
        id=draft.id,
        name=draft.element.get("name") or None,
        nodes=MappingProxyType(nodes),
        flows=MappingProxyType(flows),
        start_events=MappingProxyType(start_events),
    )
