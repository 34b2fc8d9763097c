"""BPMN 2.0 XML -> validated, immutable ProcessGraph (pure: no Django, no I/O, no network)."""

from engine.bpmn.errors import BpmnError, Problem
from engine.bpmn.graph import BPM_NS, Node, NodeKind, ProcessGraph, SequenceFlow
from engine.bpmn.parser import ProcessInfo, list_processes, parse_bpmn
from engine.bpmn.safe_xml import DEFAULT_MAX_BYTES
from engine.bpmn.serialize import graph_from_json, graph_to_json

__all__ = [
    "BPM_NS",
    "DEFAULT_MAX_BYTES",
    "BpmnError",
    "Node",
    "NodeKind",
    "Problem",
    "ProcessGraph",
    "ProcessInfo",
    "SequenceFlow",
    "graph_from_json",
    "graph_to_json",
    "list_processes",
    "parse_bpmn",
]
