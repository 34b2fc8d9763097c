"""Timer catch events and timer boundary events: the kernel asks for timers, never reads a clock."""

from __future__ import annotations

import pytest

from engine.runtime import (
    CancelSubscription,
    CancelWork,
    CommandRejected,
    CompleteTask,
    EventType,
    FireTimer,
    InstanceStatus,
    OpenUserTask,
    ScheduleTimer,
    StartInstance,
    replay,
)
from tests.runtime.driver import Run
from tests.runtime.models import flow, graph

WAIT = graph(
    '<startEvent id="s"/><intermediateCatchEvent id="wait"><timerEventDefinition>'
    '<timeDuration>PT10M</timeDuration></timerEventDefinition></intermediateCatchEvent><endEvent id="e"/>'
    + flow("f0", "s", "wait")
    + flow("f1", "wait", "e")
)


def test_a_timer_catch_event_waits_until_its_timer_fires_once() -> None:
    run = Run(WAIT)
    outcome = run.send(StartInstance({}))
    assert outcome.effects == [ScheduleTimer(1, "wait")]
    assert run.state.status is InstanceStatus.RUNNING
    token = next(iter(run.state.tokens))
    with pytest.raises(CommandRejected, match="waits for an event"):
        run.send(CompleteTask(token))
    run.send(FireTimer(1))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes == ["s", "wait", "e"]
    with pytest.raises(CommandRejected, match="not running"):
        run.send(FireTimer(1))


def review_with(boundary: str) -> str:
    return (
        '<startEvent id="s"/><userTask id="review"/><endEvent id="done"/>'
        + boundary
        + '<task id="escalate"/><endEvent id="escalated"/>'
        + flow("f0", "s", "review")
        + flow("f1", "review", "done")
        + flow("f2", "late", "escalate")
        + flow("f3", "escalate", "escalated")
    )


def boundary(timer: str, *, interrupting: bool = True) -> str:
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        f'<boundaryEvent id="late" attachedToRef="review"{cancel}><timerEventDefinition>'
        f"{timer}</timerEventDefinition></boundaryEvent>"
    )


def test_an_interrupting_timer_boundary_withdraws_the_task_and_takes_its_path() -> None:
    run = Run(graph(review_with(boundary("<timeDuration>P1D</timeDuration>"))))
    started = run.send(StartInstance({}))
    task = next(iter(run.state.tokens))
    assert started.effects == [ScheduleTimer(1, "late"), OpenUserTask(task, "review")]
    fired = run.send(FireTimer(1))
    assert CancelWork(task, "review") in fired.effects
    assert run.completed_nodes == ["s", "late", "escalate", "escalated"]
    assert run.state.status is InstanceStatus.COMPLETED
    with pytest.raises(CommandRejected):
        run.send(CompleteTask(task))


def test_completing_the_task_first_cancels_its_boundary_timer() -> None:
    run = Run(graph(review_with(boundary("<timeDuration>P1D</timeDuration>"))))
    run.send(StartInstance({}))
    completed = run.send(CompleteTask(next(iter(run.state.tokens))))
    assert completed.effects == [CancelSubscription(1)]
    assert run.completed_nodes == ["s", "review", "done"]
    with pytest.raises(CommandRejected):
        run.send(FireTimer(1))


def test_a_non_interrupting_timer_runs_its_path_beside_the_task_still_waiting() -> None:
    run = Run(graph(review_with(boundary("<timeDuration>PT1H</timeDuration>", interrupting=False))))
    run.send(StartInstance({}))
    task = next(iter(run.state.tokens))
    fired = run.send(FireTimer(1))
    assert fired.effects == [CancelSubscription(1)]  # a duration fires once
    assert run.completed_nodes == ["s", "late", "escalate", "escalated"]
    assert run.state.status is InstanceStatus.RUNNING
    with pytest.raises(CommandRejected, match="no longer active"):
        run.send(FireTimer(1))
    run.send(CompleteTask(task))
    assert run.state.status is InstanceStatus.COMPLETED


def test_a_non_interrupting_cycle_stays_armed_until_the_task_completes() -> None:
    run = Run(graph(review_with(boundary("<timeCycle>R3/PT1H</timeCycle>", interrupting=False))))
    run.send(StartInstance({}))
    task = next(iter(run.state.tokens))
    assert run.send(FireTimer(1)).effects == []
    run.send(FireTimer(1))
    assert run.completed_nodes.count("escalated") == 2
    assert run.send(CompleteTask(task)).effects == [CancelSubscription(1)]
    assert run.state.subscriptions == {}
    assert replay(run.events).to_json() == run.state.to_json()


def test_a_timer_on_a_subprocess_interrupts_everything_inside() -> None:
    model = graph(
        '<startEvent id="s"/><subProcess id="sub"><startEvent id="ss"/><parallelGateway id="fork"/>'
        '<userTask id="a"/><serviceTask id="b" bpm:type="noop"/>'
        '<parallelGateway id="join"/><endEvent id="se"/>'
        + flow("x0", "ss", "fork")
        + flow("x1", "fork", "a")
        + flow("x2", "fork", "b")
        + flow("x3", "a", "join")
        + flow("x4", "b", "join")
        + flow("x5", "join", "se")
        + '</subProcess><boundaryEvent id="timeout" attachedToRef="sub"><timerEventDefinition>'
        "<timeDate>2030-01-01T00:00:00Z</timeDate></timerEventDefinition></boundaryEvent>"
        '<endEvent id="e"/><endEvent id="timed_out"/>'
        + flow("f0", "s", "sub")
        + flow("f1", "sub", "e")
        + flow("f2", "timeout", "timed_out")
    )
    run = Run(model)
    run.send(StartInstance({}))
    fired = run.send(FireTimer(1))
    assert sorted(e.node for e in fired.effects if isinstance(e, CancelWork)) == ["a", "b"]
    assert [e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED] == ["a", "b", "sub"]
    assert run.completed_nodes[-2:] == ["timeout", "timed_out"]
    assert run.state.status is InstanceStatus.COMPLETED
    assert replay(run.events).to_json() == run.state.to_json()
