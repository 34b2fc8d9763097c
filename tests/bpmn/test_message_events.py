"""Message catch events, receive tasks and message boundary events: read, or refused clearly."""

from __future__ import annotations

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import NodeKind
from tests.bpmn.documents import chain, definitions, line_of, problem_about, process

MESSAGE = '<message id="paid" name="OrderPaid"/>\n'


def with_messages(body: str) -> str:
    return definitions(MESSAGE + process(body))


def test_it_reads_a_receive_task_with_its_message_name_and_correlation_key() -> None:
    graph = parse_bpmn(
        with_messages(
            '<startEvent id="s"/>\n'
            '<receiveTask id="wait" messageRef="paid" bpm:correlationKey="${order.id}"/>\n'
            '<endEvent id="e"/>\n' + chain("s", "wait", "e")
        )
    )
    wait = graph.node("wait")
    assert (wait.kind, wait.message_name, wait.correlation_key) == (
        NodeKind.RECEIVE_TASK,
        "OrderPaid",
        "order.id",
    )


def test_it_reads_a_message_boundary_event_without_a_key() -> None:
    graph = parse_bpmn(
        with_messages(
            '<startEvent id="s"/>\n<userTask id="review"/>\n<endEvent id="e"/>\n<endEvent id="e2"/>\n'
            '<boundaryEvent id="b" attachedToRef="review" cancelActivity="false">\n'
            '<messageEventDefinition messageRef="paid"/>\n</boundaryEvent>\n'
            + chain("s", "review", "e")
            + chain("b", "e2")
        )
    )
    boundary = graph.node("b")
    assert (boundary.trigger, boundary.message_name, boundary.correlation_key) == (
        "message",
        "OrderPaid",
        None,
    )
    assert boundary.cancel_activity is False


def test_it_refuses_a_message_reference_that_names_nothing() -> None:
    xml = with_messages(
        '<startEvent id="s"/>\n<intermediateCatchEvent id="c">\n<messageEventDefinition messageRef="nope"/>\n'
        '</intermediateCatchEvent>\n<endEvent id="e"/>\n' + chain("s", "c", "e")
    )
    problem = problem_about(
        xml, "c", containing="messageRef 'nope' names no <message> element of this file (messages: paid)"
    )
    assert problem.line == line_of(xml, "<messageEventDefinition")


def test_it_refuses_a_receive_task_without_a_message_and_a_malformed_key() -> None:
    xml = with_messages(
        '<startEvent id="s"/>\n<receiveTask id="r" bpm:correlationKey="${order.}"/>\n<endEvent id="e"/>\n'
        + chain("s", "r", "e")
    )
    problem_about(xml, "r", containing="no messageRef")
    problem_about(xml, "r", containing="bpm:correlationKey is not a valid expression")


def test_it_reads_signal_events_and_refuses_an_unknown_signal() -> None:
    xml = definitions(
        '<signal id="go" name="Go"/>\n'
        + process(
            '<startEvent id="s"/>\n<intermediateCatchEvent id="c">\n<signalEventDefinition signalRef="go"/>\n'
            "</intermediateCatchEvent>\n"
            '<endEvent id="e">\n<signalEventDefinition signalRef="go"/>\n</endEvent>\n' + chain("s", "c", "e")
        )
    )
    graph = parse_bpmn(xml)
    assert [(graph.node(n).trigger, graph.node(n).message_name) for n in ("c", "e")] == [
        ("signal", "Go"),
        ("signal", "Go"),
    ]
    broken = xml.replace('signalRef="go"/>\n</endEvent>', 'signalRef="gone"/>\n</endEvent>')
    problem_about(
        broken, "e", containing="signalRef 'gone' names no <signal> element of this file (signals: go)"
    )
