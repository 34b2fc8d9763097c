"""BPMN errors: error end events thrown inside subprocesses, caught by error boundary events."""

from __future__ import annotations

from engine.bpmn.graph import ProcessGraph
from engine.runtime import CancelWork, EventType, InstanceStatus, StartInstance, ThrowError, TokenStatus
from tests.runtime.driver import Run, drive
from tests.runtime.models import flow, graph

ERRORS = '<error id="declined" errorCode="CARD_DECLINED"/><error id="fraud" errorCode="FRAUD"/>'


def error_graph(body: str) -> ProcessGraph:
    return graph(body, roots=ERRORS)


def booking(thrown: str, boundaries: str) -> str:
    """A subprocess with a parallel split: a user task waits while the other branch throws."""
    return (
        '<startEvent id="s"/>'
        '<subProcess id="book"><startEvent id="bs"/><parallelGateway id="fork"/>'
        '<serviceTask id="hotel" bpm:type="noop"/>'
        f'<endEvent id="fail">{thrown}</endEvent>'
        + flow("b0", "bs", "fork")
        + flow("b1", "fork", "hotel")
        + flow("b2", "fork", "fail")
        + "</subProcess>"
        + boundaries
        + '<endEvent id="booked"/><task id="compensate"/><endEvent id="failed"/>'
        + flow("f0", "s", "book")
        + flow("f1", "book", "booked")
        + flow("f2", "caught", "compensate")
        + flow("f3", "compensate", "failed")
    )


CATCH_DECLINED = (
    '<boundaryEvent id="caught" attachedToRef="book">'
    '<errorEventDefinition errorRef="declined"/></boundaryEvent>'
)


def test_an_error_end_event_interrupts_its_subprocess_and_leaves_through_the_boundary() -> None:
    model = error_graph(booking('<errorEventDefinition errorRef="declined"/>', CATCH_DECLINED))
    run = Run(model)
    outcome = run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes == ["s", "bs", "fork", "fail", "caught", "compensate", "failed"]
    hotel = next(e.token for e in run.events if e.type is EventType.TASK_WAITING)
    # The job of the branch that was still running is voided, the subprocess never completes.
    assert CancelWork(hotel, "hotel") in outcome.effects
    terminated = [e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED]
    assert terminated == ["hotel", "book"]


def test_a_boundary_with_the_same_error_code_wins_over_a_catch_all() -> None:
    catch_all = (
        '<boundaryEvent id="any" attachedToRef="book"><errorEventDefinition/></boundaryEvent>'
        '<task id="review"/><endEvent id="reviewed"/>'
    )
    body = booking('<errorEventDefinition errorRef="declined"/>', catch_all + CATCH_DECLINED)
    body += flow("f4", "any", "review") + flow("f5", "review", "reviewed")
    assert drive(error_graph(body)).completed_nodes[-3:] == ["caught", "compensate", "failed"]
    fraud = booking('<errorEventDefinition errorRef="fraud"/>', catch_all + CATCH_DECLINED)
    fraud += flow("f4", "any", "review") + flow("f5", "review", "reviewed")
    assert drive(error_graph(fraud)).completed_nodes[-3:] == ["any", "review", "reviewed"]


def test_an_error_travels_outward_through_nested_subprocesses() -> None:
    model = error_graph(
        '<startEvent id="s"/><subProcess id="outer"><startEvent id="os"/>'
        '<subProcess id="inner"><startEvent id="is"/>'
        '<endEvent id="boom"><errorEventDefinition errorRef="fraud"/></endEvent>'
        + flow("i0", "is", "boom")
        + '</subProcess><endEvent id="oe"/>'
        + flow("o0", "os", "inner")
        + flow("o1", "inner", "oe")
        + "</subProcess>"
        '<boundaryEvent id="caught" attachedToRef="outer"><errorEventDefinition/></boundaryEvent>'
        '<endEvent id="e"/><endEvent id="handled"/>'
        + flow("f0", "s", "outer")
        + flow("f1", "outer", "e")
        + flow("f2", "caught", "handled")
    )
    run = drive(model)
    assert run.completed_nodes == ["s", "os", "is", "boom", "caught", "handled"]
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.state.scopes.keys() == set()


def test_an_uncaught_error_is_an_incident_on_the_error_end_event() -> None:
    model = error_graph(booking('<errorEventDefinition errorRef="fraud"/>', CATCH_DECLINED))
    run = Run(model)
    run.send(StartInstance({}))
    (incident,) = run.state.incidents.values()
    assert incident.node == "fail"
    assert "'FRAUD'" in incident.error and "no boundary event catches" in incident.error
    assert run.state.tokens[incident.token].status is TokenStatus.FAILED
    assert run.state.status is InstanceStatus.RUNNING


def test_an_inclusive_join_waits_for_a_branch_that_could_leave_through_a_boundary_event() -> None:
    model = error_graph(
        '<startEvent id="s"/><inclusiveGateway id="split"/>'
        '<subProcess id="sub"><startEvent id="ss"/><userTask id="work"/><endEvent id="se"/>'
        + flow("x0", "ss", "work")
        + flow("x1", "work", "se")
        + "</subProcess>"
        '<boundaryEvent id="caught" attachedToRef="sub"><errorEventDefinition/></boundaryEvent>'
        '<task id="quick"/><inclusiveGateway id="join"/><endEvent id="e"/><task id="dead_end"/>'
        + flow("f0", "s", "split")
        + flow("fa", "split", "sub", "${true}")
        + flow("fb", "split", "quick", "${true}")
        + flow("f1", "sub", "dead_end")
        + flow("f2", "caught", "join")
        + flow("f3", "quick", "join")
        + flow("f4", "join", "e")
    )
    run = Run(model)
    run.send(StartInstance({}))
    # The subprocess can still reach the join, but only through its boundary event: wait.
    assert "join" not in run.completed_nodes


PAYMENT = (
    '<startEvent id="s"/><subProcess id="order"><startEvent id="os"/>'
    '<serviceTask id="charge" bpm:type="noop"/><endEvent id="oe"/>'
    + flow("o0", "os", "charge")
    + flow("o1", "charge", "oe")
    + "</subProcess>"
    '<boundaryEvent id="outer" attachedToRef="order"><errorEventDefinition/></boundaryEvent>'
    '<endEvent id="e"/><endEvent id="order_failed"/>'
    + flow("f0", "s", "order")
    + flow("f1", "order", "e")
    + flow("f2", "outer", "order_failed")
)


def test_a_handler_error_is_caught_by_the_tasks_own_boundary_before_any_outer_one() -> None:
    own = (
        '<boundaryEvent id="declined" attachedToRef="charge">'
        '<errorEventDefinition errorRef="declined"/></boundaryEvent><endEvent id="retry_later"/>'
        + flow("d0", "declined", "retry_later")
    )
    run = Run(error_graph(PAYMENT.replace("</subProcess>", own + "</subProcess>")))
    run.send(StartInstance({}))
    charge = next(iter(t.id for t in run.state.tokens.values() if t.node == "charge"))
    outcome = run.send(ThrowError(charge, "CARD_DECLINED", "card expired"))
    assert CancelWork(charge, "charge") in outcome.effects
    assert run.completed_nodes[-4:] == ["declined", "retry_later", "order", "e"]


def test_a_handler_error_travels_to_the_enclosing_subprocess_boundary() -> None:
    run = Run(error_graph(PAYMENT))
    run.send(StartInstance({}))
    charge = next(iter(t.id for t in run.state.tokens.values() if t.node == "charge"))
    run.send(ThrowError(charge, "FRAUD"))
    assert "charge" not in run.completed_nodes  # interrupted, not completed
    assert run.completed_nodes[-2:] == ["outer", "order_failed"]
    assert run.state.status is InstanceStatus.COMPLETED


def test_an_uncaught_handler_error_is_an_incident_on_the_task() -> None:
    model = error_graph(
        '<startEvent id="s"/><serviceTask id="charge" bpm:type="noop"/><endEvent id="e"/>'
        + flow("f0", "s", "charge")
        + flow("f1", "charge", "e")
    )
    run = Run(model)
    run.send(StartInstance({}))
    charge = next(iter(run.state.tokens))
    run.send(ThrowError(charge, "FRAUD", "blocked by the bank"))
    (incident,) = run.state.incidents.values()
    assert incident.node == "charge"
    assert incident.error == (
        "service task 'charge' threw a BPMN error 'FRAUD' (blocked by the bank) "
        "that no boundary event catches"
    )
