"""Elements the engine cannot run yet are deployment problems that name them, never skipped."""

from __future__ import annotations

import pytest

from tests.bpmn.documents import chain, line_of, model, problems_of

START = '<startEvent id="s"/>\n'


def wired(element: str, element_id: str) -> str:
    """A process where `element` sits between the start and an end event."""
    return START + element + '<endEvent id="e"/>\n' + chain("s", element_id, "e")


CASES = [
    # (body, id, BPMN type, words the message must contain)
    (
        START + '<task id="t"/>\n<boundaryEvent id="x" attachedToRef="t">\n'
        "<conditionalEventDefinition/>\n</boundaryEvent>\n" + chain("s", "t"),
        "x",
        "boundaryEvent",
        "conditional boundary events (conditionalEventDefinition) are not supported yet; "
        "only error, timer, message, signal, compensation, cancel and escalation boundary events are",
    ),
    (
        wired('<intermediateCatchEvent id="x">\n<linkEventDefinition/>\n</intermediateCatchEvent>\n', "x"),
        "x",
        "intermediateCatchEvent",
        "link intermediate catch events (linkEventDefinition) are not supported yet; "
        "only timer, message and signal intermediate catch events are",
    ),
    (
        '<startEvent id="x">\n<conditionalEventDefinition/>\n</startEvent>\n',
        "x",
        "startEvent",
        "conditional start events (conditionalEventDefinition) are not supported yet; "
        "none, timer, message and signal start events are",
    ),
    (
        START + '<endEvent id="x">\n<linkEventDefinition/>\n</endEvent>\n' + chain("s", "x"),
        "x",
        "endEvent",
        "link end events (linkEventDefinition) are not supported yet",
    ),
    (
        START
        + '<endEvent id="x">\n<terminateEventDefinition/>\n<messageEventDefinition/>\n</endEvent>\n'
        + chain("s", "x"),
        "x",
        "endEvent",
        "several event definitions (terminateEventDefinition, messageEventDefinition)",
    ),
    (
        START
        + '<endEvent id="x">\n<eventDefinitionRef>def</eventDefinitionRef>\n</endEvent>\n'
        + chain("s", "x"),
        "x",
        "endEvent",
        "eventDefinitionRef",
    ),
    (
        wired('<intermediateThrowEvent id="x">\n<linkEventDefinition/>\n</intermediateThrowEvent>\n', "x"),
        "x",
        "intermediateThrowEvent",
        "link intermediate throw events (linkEventDefinition) are not supported yet",
    ),
    (wired('<sendTask id="x"/>\n', "x"), "x", "sendTask", "no messageRef: which message does it send?"),
    (wired('<businessRuleTask id="x"/>\n', "x"), "x", "businessRuleTask", "business rule tasks"),
    (wired('<callActivity id="x" calledElement="other"/>\n', "x"), "x", "callActivity", "call activities"),
    (wired('<complexGateway id="x"/>\n', "x"), "x", "complexGateway", "complex gateways"),
    (wired('<adHocSubProcess id="x"/>\n', "x"), "x", "adHocSubProcess", "ad-hoc subprocesses"),
    (
        wired('<task id="x"/>\n', "x")
        + '<subProcess id="y" triggeredByEvent="true">\n<startEvent id="ys">\n<conditionalEventDefinition/>\n'
        '</startEvent>\n<endEvent id="ye"/>\n<sequenceFlow id="yf" sourceRef="ys" targetRef="ye"/>\n'
        "</subProcess>\n",
        "ys",
        "startEvent",
        "conditional start events of event subprocesses are not supported",
    ),
    (
        wired('<userTask id="x">\n<standardLoopCharacteristics/>\n</userTask>\n', "x"),
        "x",
        "userTask",
        "loop characteristics are not supported yet",
    ),
    (
        wired('<task id="x">\n<multiInstanceLoopCharacteristics isSequential="true"/>\n</task>\n', "x"),
        "x",
        "task",
        "multi-instance characteristics are not supported yet",
    ),
    (
        wired(
            '<subProcess id="x">\n<multiInstanceLoopCharacteristics/>\n'
            '<startEvent id="xs"/>\n</subProcess>\n',
            "x",
        ),
        "x",
        "subProcess",
        "multi-instance characteristics",
    ),
    (wired('<task id="x" startQuantity="2"/>\n', "x"), "x", "task", "startQuantity other than 1"),
    (
        wired('<serviceTask id="x" camunda:class="com.example.Charge"/>\n', "x"),
        "x",
        "serviceTask",
        "camunda:class is not supported; use bpm:type",
    ),
    (
        wired('<serviceTask id="x" bpm:type="cli" camunda:delegateExpression="${charge}"/>\n', "x"),
        "x",
        "serviceTask",
        "camunda:delegateExpression is not supported; use bpm:type",
    ),
    (
        wired('<serviceTask id="x" camunda:expression="${bean.charge()}"/>\n', "x"),
        "x",
        "serviceTask",
        "camunda:expression is not supported; use bpm:type",
    ),
    (
        wired('<serviceTask id="x" camunda:type="external" camunda:topic="charge"/>\n', "x"),
        "x",
        "serviceTask",
        "camunda:type is not supported; use bpm:type",
    ),
    (
        START + '<implicitThrowEvent id="x"/>\n',
        "x",
        "implicitThrowEvent",
        "implicitThrowEvent is not supported",
    ),
]


@pytest.mark.parametrize(
    ("body", "element_id", "element_type", "words"),
    CASES,
    ids=[case[2] + ":" + case[3][:30] for case in CASES],
)
def test_it_refuses_what_it_cannot_run_naming_the_element(
    body: str, element_id: str, element_type: str, words: str
) -> None:
    xml = model(body)
    matching = [
        problem
        for problem in problems_of(xml)
        if problem.element_id == element_id and words in problem.message
    ]
    assert len(matching) == 1, problems_of(xml)
    assert (matching[0].element_type, matching[0].line) == (element_type, line_of(xml, f'id="{element_id}"'))


def test_it_does_not_also_call_what_follows_a_refused_element_unreachable() -> None:
    xml = model(
        START + '<task id="t"/>\n<boundaryEvent id="b" attachedToRef="t">\n'
        "<signalEventDefinition/>\n</boundaryEvent>\n"
        '<task id="escalate"/>\n<endEvent id="e1"/>\n<endEvent id="e2"/>\n'
        + chain("s", "t", "e1")
        + chain("b", "escalate", "e2")
    )
    assert [problem.element_id for problem in problems_of(xml)] == ["b"]


def test_it_does_not_call_a_flow_to_a_refused_element_unknown() -> None:
    xml = model(wired('<businessRuleTask id="wait"/>\n', "wait"))
    assert [problem.element_id for problem in problems_of(xml)] == ["wait"]


def test_it_still_lists_the_refused_elements_inside_a_refused_container() -> None:
    xml = model(
        wired(
            '<adHocSubProcess id="tx">\n<startEvent id="tx_start"/>\n<businessRuleTask id="notify"/>\n'
            + chain("tx_start", "notify")
            + "</adHocSubProcess>\n",
            "tx",
        )
    )
    assert [(problem.element_id, problem.element_type) for problem in problems_of(xml)] == [
        ("tx", "adHocSubProcess"),
        ("notify", "businessRuleTask"),
    ]


def test_it_refuses_a_start_event_with_an_event_definition_without_adding_a_missing_start() -> None:
    xml = model(
        '<startEvent id="x">\n<escalationEventDefinition/>\n</startEvent>\n<endEvent id="e"/>\n'
        + chain("x", "e")
    )
    assert [problem.element_id for problem in problems_of(xml)] == ["x"]
