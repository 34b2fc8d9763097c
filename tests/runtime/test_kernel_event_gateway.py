"""Event-based gateway: the first of the events after it wins, the others are withdrawn."""

from __future__ import annotations

import pytest

from engine.bpmn import BpmnError, parse_bpmn
from engine.runtime import (
    CancelSubscription,
    CorrelateMessage,
    FireTimer,
    InstanceStatus,
    ScheduleTimer,
    StartInstance,
    SubscribeMessage,
    replay,
)
from tests.runtime import models
from tests.runtime.driver import Run
from tests.runtime.models import flow

RACE = (
    '<startEvent id="s"/><eventBasedGateway id="first"/>'
    '<intermediateCatchEvent id="answer"><messageEventDefinition messageRef="reply"/>'
    "</intermediateCatchEvent>"
    '<intermediateCatchEvent id="timeout"><timerEventDefinition><timeDuration>P3D</timeDuration>'
    "</timerEventDefinition></intermediateCatchEvent>"
    '<endEvent id="answered"/><endEvent id="gave_up"/>'
    + flow("f0", "s", "first")
    + flow("fa", "first", "answer")
    + flow("ft", "first", "timeout")
    + flow("f1", "answer", "answered")
    + flow("f2", "timeout", "gave_up")
)


def document(body: str) -> str:
    return models.document(body, roots='<message id="reply" name="Reply"/>')


def test_the_gateway_waits_for_all_of_its_events_at_once() -> None:
    run = Run(parse_bpmn(document(RACE)))
    outcome = run.send(StartInstance({}))
    assert outcome.effects == [SubscribeMessage(1, "answer", "Reply", None), ScheduleTimer(2, "timeout")]
    assert run.completed_nodes == ["s"]


def test_the_message_wins_and_the_timer_is_withdrawn() -> None:
    run = Run(parse_bpmn(document(RACE)))
    run.send(StartInstance({}))
    outcome = run.send(CorrelateMessage(1, {"text": "yes"}))
    assert CancelSubscription(2) in outcome.effects
    assert run.completed_nodes == ["s", "first", "answer", "answered"]
    assert run.state.status is InstanceStatus.COMPLETED
    assert replay(run.events).to_json() == run.state.to_json()


def test_the_timer_wins_and_a_late_message_finds_nothing() -> None:
    run = Run(parse_bpmn(document(RACE)))
    run.send(StartInstance({}))
    run.send(FireTimer(2))
    assert run.completed_nodes == ["s", "first", "timeout", "gave_up"]
    assert run.state.subscriptions == {}


def test_it_refuses_a_gateway_that_leads_to_something_that_does_not_wait() -> None:
    body = (
        RACE.replace('<endEvent id="answered"/>', '<endEvent id="answered"/><task id="oops"/>')
        + flow("fx", "first", "oops")
        + flow("fy", "oops", "answered")
    )
    with pytest.raises(BpmnError) as refused:
        parse_bpmn(document(body))
    (problem,) = refused.value.problems
    assert (problem.element_id, problem.element_type) == ("fx", "sequenceFlow")
    assert (
        "must lead to timer or message catch events or receive tasks, not to task 'oops'" in problem.message
    )
