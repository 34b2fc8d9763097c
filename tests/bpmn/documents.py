"""Small BPMN documents for parser tests, and helpers to find the problems they cause.

Each document puts one element per line, so a test can say where a problem must point with
`line_of(xml, 'id="review"')` instead of counting lines by hand.
"""

from __future__ import annotations

from itertools import pairwise

import pytest

from engine.bpmn import BpmnError, Problem, parse_bpmn

MODEL_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
NAMESPACES = (
    f'xmlns="{MODEL_NS}" xmlns:bpm="urn:bpmportal:bpm:1.0" '
    'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)


def definitions(*processes: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<definitions {NAMESPACES} id="defs" targetNamespace="urn:test">\n'
        + "".join(processes)
        + "</definitions>\n"
    )


def process(body: str, *, process_id: str = "p", executable: bool = True, name: str | None = None) -> str:
    name_attribute = f' name="{name}"' if name else ""
    return (
        f'<process id="{process_id}"{name_attribute} isExecutable="{"true" if executable else "false"}">\n'
        + body
        + "</process>\n"
    )


def model(body: str) -> str:
    """A whole file with one executable process `p` holding `body`."""
    return definitions(process(body))


def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>\n'
    return (
        f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">\n'
        f'<conditionExpression xsi:type="tFormalExpression">{condition}</conditionExpression>\n'
        "</sequenceFlow>\n"
    )


def chain(*node_ids: str) -> str:
    """Unconditional flows a->b->c..., named after their ends."""
    return "".join(flow(f"{a}_{b}", a, b) for a, b in pairwise(node_ids))


def line_of(xml: str, marker: str) -> int:
    """1-based line of the first occurrence of `marker`."""
    position = xml.index(marker)
    return xml.count("\n", 0, position) + 1


def problems_of(xml: str | bytes, **options: object) -> list[Problem]:
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(xml, **options)  # type: ignore[arg-type]
    return caught.value.problems


def problem_about(xml: str, element_id: str | None, *, containing: str = "") -> Problem:
    """The one problem about `element_id` whose message contains `containing`."""
    found = [
        problem
        for problem in problems_of(xml)
        if problem.element_id == element_id and containing in problem.message
    ]
    assert len(found) == 1, (
        f"expected one problem about {element_id!r} ({containing!r}), got {problems_of(xml)}"
    )
    return found[0]
