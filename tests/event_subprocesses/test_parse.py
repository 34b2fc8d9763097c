"""Event subprocesses in the parser: what deploys, and the problems named with element and line."""

from __future__ import annotations

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import ProcessGraph
from tests.bpmn.documents import line_of, problems_of
from tests.event_subprocesses.models import (
    ANY_ERROR,
    NUDGE,
    REVIEW,
    ROOTS,
    TIMER_HOUR,
    event_subprocess,
    simple_event_subprocess,
    with_subprocess,
)
from tests.runtime.models import document, flow


def xml(body: str) -> str:
    return document(body, roots=ROOTS).replace(
        "<process", '<process xmlns:camunda="http://camunda.org/schema/1.0/bpmn"'
    )


def problems(body: str) -> list[tuple[str | None, str, int | None]]:
    text = xml(body)
    return [(p.element_id, p.message, p.line) for p in problems_of(text)]


def test_it_reads_an_event_subprocess_with_its_start_event() -> None:
    graph = parse_bpmn(xml(REVIEW + simple_event_subprocess("nudged", NUDGE, interrupting=False)))
    subprocess, start = graph.node("nudged"), graph.node("nudged_start")
    assert subprocess.triggered_by_event and not graph.node("review").triggered_by_event
    assert (start.trigger, start.message_name, start.cancel_activity) == ("message", "nudge", False)
    assert graph.start_events[None] == "s"  # the event subprocess's start is not the process's
    assert ProcessGraph.from_json(graph.to_json()) == graph


def test_it_reads_event_subprocesses_inside_embedded_subprocesses_and_nested_ones() -> None:
    nested = event_subprocess(
        "outer_handler",
        TIMER_HOUR,
        '<subProcess id="inner" triggeredByEvent="true"><startEvent id="inner_start">'
        + NUDGE
        + '</startEvent><endEvent id="inner_end"/>'
        + flow("i1", "inner_start", "inner_end")
        + '</subProcess><endEvent id="outer_handler_end"/>'
        + flow("o1", "outer_handler_start", "outer_handler_end"),
    )
    graph = parse_bpmn(xml(with_subprocess(nested)))
    assert graph.node("outer_handler").scope == "sub"
    assert graph.node("inner").scope == "outer_handler"


def test_it_reads_the_error_variables_in_our_namespace_and_camundas() -> None:
    ours = '<errorEventDefinition bpm:errorCodeVariable="code" bpm:errorMessageVariable="why"/>'
    theirs = '<errorEventDefinition camunda:errorCodeVariable="failure"/>'
    boundary = (
        f'<boundaryEvent id="b" attachedToRef="sub">{theirs}</boundaryEvent><endEvent id="be"/>'
        + flow("f9", "b", "be")
    )
    graph = parse_bpmn(xml(with_subprocess(simple_event_subprocess("h", ours), boundary=boundary)))
    assert (graph.node("h_start").error_code_variable, graph.node("h_start").error_message_variable) == (
        "code",
        "why",
    )
    assert graph.node("b").error_code_variable == "failure"


def test_it_refuses_sequence_flows_into_or_out_of_an_event_subprocess() -> None:
    body = (
        REVIEW
        + simple_event_subprocess("late", TIMER_HOUR)
        + flow("in", "s", "late")
        + flow("out", "late", "e")
    )
    text = xml(body)
    (problem,) = problems_of(text)
    assert problem.element_id == "late" and problem.line == line_of(text, '<subProcess id="late"')
    assert "cannot have incoming or outgoing sequence flows ('in', 'out')" in problem.message


def test_it_refuses_a_none_start_event_in_an_event_subprocess() -> None:
    body = REVIEW + event_subprocess("late", "", '<endEvent id="le"/>' + flow("l1", "late_start", "le"))
    text = xml(body)
    (problem,) = problems_of(text)
    assert (problem.element_id, problem.element_type) == ("late_start", "startEvent")
    assert problem.line == line_of(text, 'id="late_start"')
    assert (
        "needs a timer, message, signal, error, escalation or compensation event definition"
        in problem.message
    )


def test_it_refuses_two_start_events_and_no_start_event() -> None:
    two = (
        '<subProcess id="two" triggeredByEvent="true"><startEvent id="a">'
        + TIMER_HOUR
        + '</startEvent><startEvent id="b">'
        + NUDGE
        + '</startEvent><endEvent id="te"/>'
        + flow("t1", "a", "te")
        + flow("t2", "b", "te")
        + "</subProcess>"
    )
    none = '<subProcess id="none" triggeredByEvent="true"><task id="lonely"/></subProcess>'
    found = problems(REVIEW + two + none)
    assert ("b", "an event subprocess has exactly one start event; 'two' already starts with 'a'") in [
        (element, message) for element, message, _line in found
    ]
    messages = {element: message for element, message, _line in found}
    assert "the event subprocess has no start event" in messages["none"]
    assert len(found) == 2  # 'lonely' is not also called unreachable


def test_it_refuses_a_non_interrupting_error_start_and_unsupported_triggers() -> None:
    error = event_subprocess(
        "h", ANY_ERROR, '<endEvent id="he"/>' + flow("h1", "h_start", "he"), interrupting=False
    )
    escalation = event_subprocess(
        "x", "<conditionalEventDefinition/>", '<endEvent id="xe"/>' + flow("x1", "x_start", "xe")
    )
    messages = {element: message for element, message, _line in problems(REVIEW + error + escalation)}
    assert (
        messages["h_start"]
        == 'an error start event always interrupts its scope; remove isInterrupting="false"'
    )
    assert "conditional start events of event subprocesses are not supported" in messages["x_start"]


def test_it_refuses_a_boundary_event_on_an_event_subprocess_and_bad_error_variables() -> None:
    boundary = (
        '<boundaryEvent id="b" attachedToRef="late">'
        + TIMER_HOUR
        + '</boundaryEvent><endEvent id="be"/>'
        + flow("f9", "b", "be")
    )
    bad = event_subprocess(
        "h",
        '<errorEventDefinition bpm:errorCodeVariable="not a name"/>',
        '<endEvent id="he"/>' + flow("h1", "h_start", "he"),
    )
    found = problems(REVIEW + simple_event_subprocess("late", TIMER_HOUR) + boundary + bad)
    messages = {element: message for element, message, _line in found}
    assert messages["b"] == "a boundary event cannot be attached to event subprocess 'late'"
    assert messages["h_start"] == "bpm:errorCodeVariable 'not a name' is not a variable name"


def test_it_reads_a_correlation_key_on_an_event_start_but_not_on_a_process_start() -> None:
    start = '<messageEventDefinition messageRef="cancel"/>'
    keyed = simple_event_subprocess("cancelled", start).replace(
        'id="cancelled_start"', 'id="cancelled_start" bpm:correlationKey="${orderId}"'
    )
    assert parse_bpmn(xml(REVIEW + keyed)).node("cancelled_start").correlation_key == "orderId"
    process_start = REVIEW.replace(
        '<startEvent id="s"/>', '<startEvent id="s" bpm:correlationKey="${orderId}"/>'
    )
    (problem,) = problems_of(xml(process_start))
    assert problem.element_id == "s"
    assert problem.message.startswith(
        "bpm:correlationKey belongs on the message start event of an event subprocess"
    )
