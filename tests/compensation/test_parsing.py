"""Compensation and transaction models: what deploys, and the clear errors for what cannot run."""

from __future__ import annotations

import pytest

from engine.bpmn import BpmnError, parse_bpmn
from engine.bpmn.graph import NodeKind, ProcessGraph
from tests.compensation.models import chain, compensable, model, throw
from tests.runtime.models import document


def problems(body: str) -> list[tuple[str | None, str]]:
    with pytest.raises(BpmnError) as raised:
        parse_bpmn(document(body))
    return [(problem.element_id, problem.message) for problem in raised.value.problems]


def test_it_reads_the_handler_through_the_association_and_round_trips_through_json() -> None:
    graph = model(
        '<startEvent id="s"/>'
        + compensable("a")
        + throw("t", activity="a", wait=False)
        + '<endEvent id="e"/>'
        + chain("s", "a", "t", "e")
    )
    assert graph.node("a_compensation").compensation_handler == "undo_a"
    assert graph.node("undo_a").for_compensation
    assert (graph.node("t").activity_ref, graph.node("t").wait_for_completion) == ("a", False)
    assert ProcessGraph.from_json(graph.to_json()) == graph


def test_a_transaction_deploys_as_a_subprocess_with_cancel_events() -> None:
    graph = model(
        '<startEvent id="s"/><transaction id="tx"><startEvent id="ts"/>'
        '<endEvent id="cancel"><cancelEventDefinition/></endEvent>'
        + chain("ts", "cancel", prefix="t")
        + '</transaction><boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/>'
        '</boundaryEvent><endEvent id="e"/><endEvent id="c"/>'
        + chain("s", "tx", "e")
        + chain("cancelled", "c", prefix="c")
    )
    assert graph.node("tx").kind is NodeKind.TRANSACTION
    assert (graph.node("cancel").trigger, graph.node("cancelled").trigger) == ("cancel", "cancel")


def test_a_compensation_boundary_event_without_an_association_names_the_event() -> None:
    body = (
        '<startEvent id="s"/><task id="a"/>'
        '<boundaryEvent id="a_compensation" attachedToRef="a"><compensateEventDefinition/></boundaryEvent>'
        '<endEvent id="e"/>' + chain("s", "a", "e")
    )
    assert problems(body) == [
        (
            "a_compensation",
            "a compensation boundary event needs exactly one association to its compensation handler; "
            "it has none",
        )
    ]


def test_a_handler_in_the_sequence_flow_or_without_a_boundary_event_is_refused() -> None:
    body = (
        '<startEvent id="s"/><task id="undo" isForCompensation="true"/>'
        '<task id="lonely" isForCompensation="true"/>'
        '<endEvent id="e"/>' + chain("s", "undo", "e")
    )
    found = problems(body)
    assert (
        "lonely",
        "no compensation boundary event is associated with this compensation handler, so it would never run",
    ) in found
    assert any(
        element == "undo" and "is not part of the sequence flow" in message for element, message in found
    )


def test_an_association_to_an_ordinary_activity_is_refused_at_its_line() -> None:
    xml = document(
        '<startEvent id="s"/><task id="a"/>\n'
        '<boundaryEvent id="a_compensation" attachedToRef="a"><compensateEventDefinition/></boundaryEvent>\n'
        '<association id="wrong" sourceRef="a_compensation" targetRef="e"/>\n'
        '<endEvent id="e"/>' + chain("s", "a", "e")
    )
    with pytest.raises(BpmnError) as raised:
        parse_bpmn(xml)
    [problem] = raised.value.problems
    assert problem.element_id == "a_compensation"
    assert "association 'wrong' points at 'e', which is not an activity" in problem.message
    assert problem.line == 6  # the association's own line


def test_activity_ref_must_name_a_compensable_activity_of_the_same_scope() -> None:
    found = problems(
        '<startEvent id="s"/><task id="plain"/>'
        + throw("unknown", activity="nowhere")
        + throw("nothing", activity="plain")
        + '<endEvent id="e"/>'
        + chain("s", "plain", "unknown", "nothing", "e")
    )
    assert found == [
        ("unknown", "activityRef 'nowhere' names no activity of this process"),
        (
            "nothing",
            "activityRef 'plain' names an activity without a compensation boundary event: nothing to "
            "compensate",
        ),
    ]


def test_cancel_events_belong_to_transactions() -> None:
    found = problems(
        '<startEvent id="s"/><subProcess id="sub"><startEvent id="ss"/>'
        '<endEvent id="cancel"><cancelEventDefinition/></endEvent>'
        + chain("ss", "cancel", prefix="i")
        + '</subProcess><boundaryEvent id="cancelled" attachedToRef="sub"><cancelEventDefinition/>'
        '</boundaryEvent><transaction id="tx"><startEvent id="ts"/>'
        '<endEvent id="tx_cancel"><cancelEventDefinition/></endEvent>'
        + chain("ts", "tx_cancel", prefix="t")
        + '</transaction><endEvent id="e"/><endEvent id="c"/>'
        + chain("s", "sub", "tx", "e")
        + chain("cancelled", "c", prefix="c")
    )
    assert found == [
        ("cancel", "a cancel end event must be inside a transaction subprocess"),
        ("cancelled", "a cancel boundary event must be attached to a transaction subprocess"),
        ("tx_cancel", "transaction 'tx' needs a cancel boundary event for this cancel end event"),
    ]


def test_a_compensation_event_subprocess_belongs_inside_a_subprocess() -> None:
    found = problems(
        '<startEvent id="s"/><endEvent id="e"/>'
        + chain("s", "e")
        + '<subProcess id="esp" triggeredByEvent="true"><startEvent id="cs"><compensateEventDefinition/>'
        '</startEvent><endEvent id="ce"/>' + chain("cs", "ce", prefix="x") + "</subProcess>"
    )
    assert found == [
        (
            "cs",
            "a compensation event subprocess undoes the work of the subprocess it is in; at process level "
            "there is nothing that could compensate it",
        )
    ]
