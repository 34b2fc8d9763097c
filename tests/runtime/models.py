"""Small BPMN documents for kernel tests, written out in full so each test reads on its own."""

from __future__ import annotations

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import ProcessGraph

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">\n'
    '<process id="p" isExecutable="true">\n'
)
FOOTER = "</process>\n</definitions>\n"


def graph(body: str, *, roots: str = "") -> ProcessGraph:
    """Parse a process holding `body`; `roots` are elements beside it (<error>, <message>...)."""
    return parse_bpmn(document(body, roots=roots))


def document(body: str, *, roots: str = "") -> str:
    return HEADER.replace("<process ", roots + "<process ", 1) + body + FOOTER


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>\n'
    return (
        f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f"<conditionExpression>{condition}</conditionExpression></sequenceFlow>\n"
    )
