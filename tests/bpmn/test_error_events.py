"""Error end events and error boundary events: what the parser reads and what it refuses."""

from __future__ import annotations

import pytest

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import NodeKind
from tests.bpmn.documents import chain, definitions, line_of, problem_about, process

ERROR = '<error id="declined" errorCode="CARD_DECLINED"/>\n'
TASK_WITH_BOUNDARY = (
    '<startEvent id="s"/>\n<serviceTask id="pay" bpm:type="noop"/>\n<endEvent id="e"/>\n'
    '<endEvent id="refused"/>\n' + chain("s", "pay", "e")
)


def with_errors(body: str) -> str:
    return definitions(ERROR + process(body))


def test_it_reads_an_error_boundary_event_and_attaches_it_to_its_activity() -> None:
    graph = parse_bpmn(
        with_errors(
            TASK_WITH_BOUNDARY
            + '<boundaryEvent id="b" attachedToRef="pay">\n<errorEventDefinition errorRef="declined"/>\n'
            "</boundaryEvent>\n" + chain("b", "refused")
        )
    )
    boundary = graph.node("b")
    assert boundary.kind is NodeKind.BOUNDARY_EVENT
    assert (boundary.trigger, boundary.error_code, boundary.attached_to) == ("error", "CARD_DECLINED", "pay")
    assert graph.node("pay").boundary_events == ("b",)
    assert graph.to_json() == type(graph).from_json(graph.to_json()).to_json()


def test_it_reads_an_error_end_event_with_its_code_and_a_catch_all_boundary() -> None:
    graph = parse_bpmn(
        with_errors(
            '<startEvent id="s"/>\n<subProcess id="sub">\n<startEvent id="ss"/>\n'
            '<endEvent id="fail">\n<errorEventDefinition errorRef="declined"/>\n</endEvent>\n'
            + chain("ss", "fail")
            + '</subProcess>\n<boundaryEvent id="any" attachedToRef="sub">\n<errorEventDefinition/>\n'
            '</boundaryEvent>\n<endEvent id="e"/>\n<endEvent id="e2"/>\n'
            + chain("s", "sub", "e")
            + chain("any", "e2")
        )
    )
    assert (graph.node("fail").trigger, graph.node("fail").error_code) == ("error", "CARD_DECLINED")
    assert graph.node("any").error_code is None


@pytest.mark.parametrize(
    ("boundary", "message"),
    [
        (
            '<boundaryEvent id="b" attachedToRef="nowhere">\n<errorEventDefinition/>\n</boundaryEvent>\n',
            "attachedToRef 'nowhere' names no activity",
        ),
        (
            '<boundaryEvent id="b" attachedToRef="e">\n<errorEventDefinition/>\n</boundaryEvent>\n',
            "must be attached to an activity, not to endEvent",
        ),
        (
            '<boundaryEvent id="b" attachedToRef="pay" cancelActivity="false">\n<errorEventDefinition/>\n'
            "</boundaryEvent>\n",
            "error boundary events always interrupt",
        ),
        (
            '<boundaryEvent id="b" attachedToRef="pay">\n<errorEventDefinition errorRef="nope"/>\n'
            "</boundaryEvent>\n",
            "errorRef 'nope' names no <error> element of this file (errors: declined)",
        ),
        (
            '<boundaryEvent id="b" attachedToRef="pay"/>\n',
            "a boundary event needs an event definition",
        ),
    ],
)
def test_it_refuses_a_broken_boundary_event_naming_it(boundary: str, message: str) -> None:
    xml = with_errors(TASK_WITH_BOUNDARY + boundary + chain("b", "refused"))
    problem = problem_about(xml, "b", containing=message)
    assert problem.element_type == "boundaryEvent"
    assert problem.line is not None and problem.line >= line_of(xml, 'id="b"')


def test_it_refuses_a_boundary_event_without_an_outgoing_flow() -> None:
    xml = with_errors(
        TASK_WITH_BOUNDARY.replace('<endEvent id="refused"/>\n', "")
        + '<boundaryEvent id="b" attachedToRef="pay">\n<errorEventDefinition/>\n</boundaryEvent>\n'
    )
    problem = problem_about(xml, "b", containing="needs an outgoing sequence flow")
    assert problem.line == line_of(xml, 'id="b"')
