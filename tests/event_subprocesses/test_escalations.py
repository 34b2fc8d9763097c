"""Escalations: thrown inside a subprocess, caught by boundary events and event subprocesses."""

from __future__ import annotations

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import ProcessGraph
from engine.runtime import CancelWork, CompleteTask, EventType, InstanceStatus, StartInstance, replay
from tests.bpmn.documents import problems_of
from tests.event_subprocesses.models import (
    ANY_ESCALATION,
    LATE,
    ROOTS,
    simple_event_subprocess,
    with_subprocess,
)
from tests.runtime.driver import Run
from tests.runtime.models import document, flow, graph


def model(body: str) -> ProcessGraph:
    return graph(body, roots=ROOTS)


def waiting(run: Run) -> list[str]:
    return [node for _token, node in run.waiting()]


def complete(run: Run, node: str) -> None:
    (token,) = [token for token, at in run.waiting() if at == node]
    run.send(CompleteTask(token))


def throwing(kind: str, definition: str = LATE) -> str:
    """Inside `sub`: besides the user task `approve`, a branch that throws an escalation."""
    if kind == "end":
        return f'<endEvent id="escalate">{definition}</endEvent>' + flow("sf3", "ss", "escalate")
    return (
        f'<intermediateThrowEvent id="escalate">{definition}</intermediateThrowEvent><endEvent id="se2"/>'
        + flow("sf3", "ss", "escalate")
        + flow("sf4", "escalate", "se2")
    )


def boundary(*, interrupting: bool, definition: str = LATE) -> str:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        f'<boundaryEvent id="raised" attachedToRef="sub"{cancel}>{definition}</boundaryEvent>'
        '<task id="notify"/><endEvent id="notified"/>'
        + flow("b1", "raised", "notify")
        + flow("b2", "notify", "notified")
    )


def test_a_non_interrupting_boundary_runs_beside_and_the_thrower_carries_on() -> None:
    run = Run(model(with_subprocess(throwing("throw"), boundary=boundary(interrupting=False))))
    run.send(StartInstance({}))
    assert [node for node in run.completed_nodes if node in {"escalate", "raised", "notify", "notified"}] == [
        "escalate",
        "raised",
        "notify",
        "notified",
    ]
    assert "se2" in run.completed_nodes  # the throw event's token went on
    assert waiting(run) == ["approve"]
    complete(run, "approve")
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-3:] == ["sub", "after", "e"]
    assert replay(run.events).to_json() == run.state.to_json()


def test_an_interrupting_boundary_withdraws_the_subprocess() -> None:
    run = Run(model(with_subprocess(throwing("end"), boundary=boundary(interrupting=True))))
    outcome = run.send(StartInstance({}))
    approve = next(e.token for e in run.events if e.type is EventType.TASK_WAITING)
    assert CancelWork(approve, "approve") in outcome.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-4:] == ["escalate", "raised", "notify", "notified"]
    assert "after" not in run.completed_nodes
    assert replay(run.events).to_json() == run.state.to_json()


def test_the_escalation_event_subprocess_of_the_scope_catches_before_the_boundary() -> None:
    inner = throwing("end") + simple_event_subprocess("handler", LATE, interrupting=False)
    run = Run(model(with_subprocess(inner, boundary=boundary(interrupting=True, definition=ANY_ESCALATION))))
    run.send(StartInstance({}))
    assert "handler" in run.completed_nodes and "raised" not in run.completed_nodes
    assert waiting(run) == ["approve"]  # non-interrupting: the subprocess runs on
    complete(run, "approve")
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-3:] == ["sub", "after", "e"]


def test_an_exact_escalation_code_wins_over_a_catch_all() -> None:
    inner = (
        throwing("end")
        + simple_event_subprocess("any", ANY_ESCALATION, interrupting=False)
        + simple_event_subprocess("late", LATE, interrupting=False)
    )
    run = Run(model(with_subprocess(inner)))
    run.send(StartInstance({}))
    assert "late" in run.completed_nodes and "any" not in run.completed_nodes


def test_an_escalation_nobody_catches_has_no_effect() -> None:
    run = Run(model(with_subprocess(throwing("throw"))))
    run.send(StartInstance({}))
    assert run.state.incidents == {}
    assert "se2" in run.completed_nodes
    complete(run, "approve")
    assert run.state.status is InstanceStatus.COMPLETED


def test_an_unknown_escalation_ref_is_named_with_its_element() -> None:
    body = with_subprocess(throwing("end", '<escalationEventDefinition escalationRef="nope"/>'))
    (problem,) = problems_of(document(body, roots=ROOTS))
    assert problem.element_id == "escalate"
    assert (
        problem.message
        == "escalationRef 'nope' names no <escalation> element of this file (escalations: big, late)"
    )


def test_the_caught_escalation_code_lands_in_the_variable_the_catcher_names() -> None:
    catcher = '<escalationEventDefinition camunda:escalationCodeVariable="raised_code"/>'
    inner = throwing("end") + simple_event_subprocess("handler", catcher, interrupting=False)
    xml = document(with_subprocess(inner), roots=ROOTS).replace(
        "<process ", '<process xmlns:camunda="http://camunda.org/schema/1.0/bpmn" ', 1
    )
    run = Run(parse_bpmn(xml))
    run.send(StartInstance({}))
    assert run.state.variables == {"raised_code": "LATE"}
