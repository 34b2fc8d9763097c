"""Timers in the store: armed from the model, fired only when due, never twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from engine.services import complete_user_task, deploy, fire_due_timers, fire_timer, start_instance
from engine.store import clock
from engine.store.models import Job, JobStatus, ProcessInstance, Timer, TimerStatus, UserTask
from engine.store.verify import verify_instance

pytestmark = pytest.mark.django_db

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">\n'
)


def model(process_id: str, body: str) -> str:
    return HEADER + f'<process id="{process_id}" isExecutable="true">{body}</process></definitions>'


def flow(flow_id: str, source: str, target: str) -> str:
    return f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'


WAIT_AN_HOUR = model(
    "waiting",
    '<startEvent id="s"/><intermediateCatchEvent id="wait"><timerEventDefinition>'
    '<timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent><endEvent id="e"/>'
    + flow("f0", "s", "wait")
    + flow("f1", "wait", "e"),
)

REMIND_TWICE = model(
    "reminders",
    '<startEvent id="s"/><userTask id="review"/><endEvent id="done"/>'
    '<boundaryEvent id="remind" attachedToRef="review" cancelActivity="false"><timerEventDefinition>'
    "<timeCycle>R2/PT1H</timeCycle></timerEventDefinition></boundaryEvent>"
    '<scriptTask id="count"><script>reminders = reminders + 1</script></scriptTask><endEvent id="reminded"/>'
    + flow("f0", "s", "review")
    + flow("f1", "review", "done")
    + flow("f2", "remind", "count")
    + flow("f3", "count", "reminded"),
)

TIMEOUT_A_JOB = model(
    "timeouts",
    '<startEvent id="s"/><serviceTask id="call" bpm:type="noop"/><endEvent id="done"/>'
    '<boundaryEvent id="too_slow" attachedToRef="call"><timerEventDefinition>'
    '<timeDuration>PT30S</timeDuration></timerEventDefinition></boundaryEvent><endEvent id="gave_up"/>'
    + flow("f0", "s", "call")
    + flow("f1", "call", "done")
    + flow("f2", "too_slow", "gave_up"),
)


def test_it_fires_a_timer_when_due_and_never_early_or_twice() -> None:
    instance = start_instance(definition=deploy(WAIT_AN_HOUR))
    timer = Timer.objects.get(instance=instance)
    assert timer.status == TimerStatus.ARMED
    assert timedelta(minutes=59) < timer.due_at - instance.started_at <= timedelta(hours=1, seconds=5)

    assert fire_due_timers() == 0  # an hour early
    with clock.virtual_time(timer.due_at - timedelta(seconds=1)):
        assert fire_due_timers() == 0
    with clock.virtual_time(timer.due_at):
        assert fire_due_timers() == 1
        assert fire_due_timers() == 0
        assert fire_timer(timer_id=timer.pk) is None

    instance.refresh_from_db()
    assert instance.status == "completed"
    timer.refresh_from_db()
    assert (timer.status, timer.fired_count) == (TimerStatus.FIRED, 1)
    assert verify_instance(instance) == []


def test_a_spent_time_budget_stops_a_pass_after_one_timer_and_the_next_passes_fire_the_rest() -> None:
    definition = deploy(WAIT_AN_HOUR)
    instances = [start_instance(definition=definition) for _ in range(3)]
    latest_due = max(Timer.objects.filter(instance__in=instances).values_list("due_at", flat=True))

    with clock.virtual_time(latest_due):
        # A worker with jobs to claim gives timers a slice of each pass; at least one fires.
        assert fire_due_timers(budget=0) == 1
        assert fire_due_timers(budget=0) == 1
        assert fire_due_timers() == 1  # no budget: everything still due
        assert fire_due_timers() == 0

    assert (
        sorted(
            ProcessInstance.objects.filter(pk__in=[i.pk for i in instances]).values_list("status", flat=True)
        )
        == ["completed"] * 3
    )
    assert list(Timer.objects.filter(instance__in=instances).values_list("fired_count", flat=True)) == [
        1,
        1,
        1,
    ]


def test_a_cycle_fires_its_repetitions_on_schedule_then_stops() -> None:
    instance = start_instance(definition=deploy(REMIND_TWICE), variables={"reminders": 0})
    timer = Timer.objects.get(instance=instance)
    first_due = timer.due_at
    with clock.virtual_time(first_due):
        assert fire_due_timers() == 1
    timer.refresh_from_db()
    assert (timer.status, timer.fired_count, timer.due_at) == (
        TimerStatus.ARMED,
        1,
        first_due + timedelta(hours=1),
    )
    with clock.virtual_time(first_due + timedelta(hours=5)):
        assert fire_due_timers() == 1
        assert fire_due_timers() == 0  # R2: exhausted
    timer.refresh_from_db()
    assert timer.status == TimerStatus.FIRED
    instance.refresh_from_db()
    assert instance.variables["reminders"] == 2
    complete_user_task(task_id=UserTask.objects.get(instance=instance).pk)
    instance.refresh_from_db()
    assert instance.status == "completed"


def test_completing_the_task_cancels_its_boundary_timer() -> None:
    instance = start_instance(definition=deploy(REMIND_TWICE), variables={"reminders": 0})
    complete_user_task(task_id=UserTask.objects.get(instance=instance).pk)
    assert Timer.objects.get(instance=instance).status == TimerStatus.CANCELLED
    with clock.virtual_time(clock.now() + timedelta(days=1)):
        assert fire_due_timers() == 0


def test_an_interrupting_timer_cancels_the_job_it_times_out() -> None:
    instance = start_instance(definition=deploy(TIMEOUT_A_JOB))
    with clock.virtual_time(clock.now() + timedelta(minutes=1)):
        assert fire_due_timers() == 1
    instance.refresh_from_db()
    assert instance.status == "completed"
    assert Job.objects.get(instance=instance).status == JobStatus.CANCELLED


def _fire_at(timer: Timer, barrier: threading.Barrier, results: list[object]) -> None:
    try:
        barrier.wait()
        with clock.virtual_time(timer.due_at):
            results.append(fire_timer(timer_id=timer.pk))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_for_one_timer_fire_it_once() -> None:
    for _ in range(20):
        instance = start_instance(definition=deploy(REMIND_TWICE), variables={"reminders": 0})
        timer = Timer.objects.get(instance=instance)
        barrier = threading.Barrier(2)
        results: list[object] = []

        threads = [threading.Thread(target=_fire_at, args=(timer, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(result is not None for result in results) == 1
        instance.refresh_from_db()
        assert instance.variables["reminders"] == 1
        assert verify_instance(instance) == []
