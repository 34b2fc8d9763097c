"""Event subprocesses through the services, on the real database: timers, messages, signals, jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import (
    broadcast_signal,
    complete_user_task,
    correlate_message,
    deploy,
    fire_due_timers,
    run_pending_jobs,
    start_instance,
)
from engine.store import clock
from engine.store.models import (
    Job,
    JobStatus,
    MessageSubscription,
    ProcessInstance,
    SignalSubscription,
    Timer,
    TimerStatus,
    Token,
    UserTask,
    UserTaskStatus,
)
from engine.store.verify import verify_all, verify_instance
from tests.event_subprocesses.models import (
    ANY_ERROR,
    CANCEL,
    DECLINED,
    LATE,
    NUDGE,
    REVIEW,
    ROOTS,
    SHUTDOWN,
    TIMER_HOUR,
    error_model,
    simple_event_subprocess,
    with_subprocess,
)
from tests.runtime.models import document, flow

pytestmark = pytest.mark.django_db


def start(body: str, variables: dict[str, object] | None = None) -> ProcessInstance:
    return start_instance(definition=deploy(document(body, roots=ROOTS)), variables=variables or {})


def refreshed(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


def open_task(instance: ProcessInstance, node: str) -> UserTask:
    return UserTask.objects.get(instance=instance, node_id=node, status=UserTaskStatus.OPEN)


def open_tasks(instance: ProcessInstance) -> list[str]:
    tasks = UserTask.objects.filter(instance=instance, status=UserTaskStatus.OPEN).order_by("pk")
    return [task.node_id for task in tasks]


def test_an_interrupting_timer_cancels_the_user_task_and_ends_the_process() -> None:
    instance = start(REVIEW + simple_event_subprocess("late", TIMER_HOUR))
    timer = Timer.objects.get(instance=instance, node_id="late_start")
    assert timer.status == TimerStatus.ARMED
    assert timedelta(minutes=59) < timer.due_at - instance.started_at <= timedelta(hours=1, seconds=5)

    with clock.virtual_time(timer.due_at):
        assert fire_due_timers() == 1

    assert refreshed(instance).status == "completed"
    review = UserTask.objects.get(instance=instance, node_id="review")
    assert review.status == UserTaskStatus.CANCELLED
    assert Token.objects.get(instance=instance, node_id="review").status == "terminated"
    assert Token.objects.get(instance=instance, node_id="late").status == "completed"
    timer.refresh_from_db()
    assert timer.status == TimerStatus.FIRED
    assert verify_instance(instance) == []


def test_the_timer_of_an_event_subprocess_is_cancelled_when_the_process_ends_first() -> None:
    instance = start(REVIEW + simple_event_subprocess("late", TIMER_HOUR))
    complete_user_task(task_id=open_task(instance, "review").pk)
    assert refreshed(instance).status == "completed"
    assert Timer.objects.get(instance=instance).status == TimerStatus.CANCELLED
    with clock.virtual_time(clock.now() + timedelta(hours=2)):
        assert fire_due_timers() == 0
    assert verify_instance(instance) == []


def test_a_non_interrupting_message_runs_twice_and_the_process_ends_after_both() -> None:
    instance = start(REVIEW + simple_event_subprocess("nudged", NUDGE, interrupting=False, task="user"))

    for count in (1, 2):
        result = correlate_message(name="nudge", variables={"nudges": count})
        assert (result.outcome, result.instance_id) == ("delivered", instance.pk)

    assert open_tasks(instance) == ["review", "nudged_work", "nudged_work"]
    assert refreshed(instance).variables == {"nudges": 2}
    complete_user_task(task_id=open_task(instance, "review").pk)
    assert refreshed(instance).status == "running"
    assert MessageSubscription.objects.filter(instance=instance).count() == 1  # still listening
    first, second = UserTask.objects.filter(instance=instance, node_id="nudged_work").order_by("pk")
    complete_user_task(task_id=first.pk)
    assert refreshed(instance).status == "running"
    complete_user_task(task_id=second.pk)
    assert refreshed(instance).status == "completed"
    assert not MessageSubscription.objects.filter(instance=instance).exists()
    assert verify_instance(instance) == []


def test_a_signal_event_subprocess_interrupts_every_instance_listening() -> None:
    body = REVIEW + simple_event_subprocess("halt", SHUTDOWN)
    first, second = start(body), start(body)
    assert SignalSubscription.objects.filter(node_id="halt_start").count() == 2

    assert broadcast_signal(name="shutdown", variables={"reason": "maintenance"}) == 2

    for instance in (first, second):
        assert refreshed(instance).status == "completed"
        assert instance.variables == {"reason": "maintenance"}
        assert UserTask.objects.get(instance=instance).status == UserTaskStatus.CANCELLED
    assert not SignalSubscription.objects.exists()
    assert [problems for _instance, problems in verify_all()] == [[], []]


def test_an_error_end_event_starts_the_error_event_subprocess_and_cancels_the_job() -> None:
    instance = start(error_model(DECLINED, simple_event_subprocess("handle", DECLINED, task="user")))
    assert Job.objects.get(instance=instance, node_id="hotel").status == JobStatus.CANCELLED
    assert run_pending_jobs(instance_id=instance.pk) == 0
    assert open_tasks(instance) == ["handle_work"]
    complete_user_task(task_id=open_task(instance, "handle_work").pk)
    assert refreshed(instance).status == "completed"
    assert verify_instance(instance) == []


def test_a_handler_bpmn_error_from_a_real_job_is_caught_with_its_code() -> None:
    charge = (
        '<serviceTask id="charge" bpm:type="cli"><extensionElements>'
        '<bpm:field name="argv"><bpm:item>sh</bpm:item><bpm:item>-c</bpm:item>'
        "<bpm:item>echo card declined &gt;&amp;2; exit 2</bpm:item></bpm:field>"
        '<bpm:field name="errorCodes" value="2=CARD_DECLINED"/>'
        "</extensionElements></serviceTask>"
    )
    catch = '<errorEventDefinition errorRef="declined" bpm:errorCodeVariable="failure"/>'
    body = (
        f'<startEvent id="s"/>{charge}<endEvent id="e"/>'
        + flow("f0", "s", "charge")
        + flow("f1", "charge", "e")
        + simple_event_subprocess("fraud", '<errorEventDefinition errorRef="fraud"/>')
        + simple_event_subprocess("declined", catch, task="user")
    )
    instance = start(body)
    assert run_pending_jobs(instance_id=instance.pk) == 1

    instance = refreshed(instance)
    assert instance.status == "running"
    assert instance.variables == {"failure": "CARD_DECLINED"}
    assert open_tasks(instance) == ["declined_work"]
    assert not Token.objects.filter(instance=instance, node_id="fraud").exists()
    complete_user_task(task_id=open_task(instance, "declined_work").pk)
    assert refreshed(instance).status == "completed"
    assert verify_instance(instance) == []


def test_an_event_subprocess_of_a_subprocess_listens_only_while_it_runs() -> None:
    instance = start(with_subprocess(simple_event_subprocess("cancelled", CANCEL)))
    assert MessageSubscription.objects.filter(instance=instance, node_id="cancelled_start").exists()
    complete_user_task(task_id=open_task(instance, "approve").pk)
    assert refreshed(instance).status == "completed"
    assert not MessageSubscription.objects.filter(instance=instance).exists()
    assert verify_instance(instance) == []


def test_an_interrupting_event_subprocess_of_a_subprocess_leaves_by_the_subprocess_flow() -> None:
    instance = start(with_subprocess(simple_event_subprocess("cancelled", CANCEL, task="user")))

    correlate_message(name="cancel-order")

    assert UserTask.objects.get(instance=instance, node_id="approve").status == UserTaskStatus.CANCELLED
    assert open_tasks(instance) == ["cancelled_work"]
    complete_user_task(task_id=open_task(instance, "cancelled_work").pk)
    assert refreshed(instance).status == "completed"
    assert Token.objects.get(instance=instance, node_id="after").status == "completed"
    assert Token.objects.get(instance=instance, node_id="sub").status == "completed"
    assert verify_instance(instance) == []


def test_the_inner_error_event_subprocess_wins_over_the_boundary_of_the_subprocess() -> None:
    inner = (
        '<serviceTask id="call" bpm:type="noop"/><endEvent id="boom">'
        + DECLINED
        + "</endEvent>"
        + flow("sf3", "ss", "call")
        + flow("sf4", "call", "boom")
        + simple_event_subprocess("inner_handler", ANY_ERROR)
    )
    boundary = (
        f'<boundaryEvent id="outer_catch" attachedToRef="sub">{DECLINED}</boundaryEvent>'
        '<endEvent id="caught_outside"/>' + flow("f4", "outer_catch", "caught_outside")
    )
    instance = start(with_subprocess(inner, boundary=boundary))
    assert run_pending_jobs(instance_id=instance.pk) == 1
    assert refreshed(instance).status == "completed"
    assert UserTask.objects.get(instance=instance, node_id="approve").status == UserTaskStatus.CANCELLED
    assert Token.objects.get(instance=instance, node_id="inner_handler").status == "completed"
    assert not Token.objects.filter(instance=instance, node_id="caught_outside").exists()
    assert Token.objects.get(instance=instance, node_id="after").status == "completed"
    assert verify_instance(instance) == []


def test_a_message_reaches_the_event_subprocess_of_the_instance_with_its_key_only() -> None:
    keyed = simple_event_subprocess("cancelled", CANCEL).replace(
        'id="cancelled_start"', 'id="cancelled_start" bpm:correlationKey="${orderId}"'
    )
    first, second = start(REVIEW + keyed, {"orderId": "A-1"}), start(REVIEW + keyed, {"orderId": "A-2"})

    result = correlate_message(name="cancel-order", correlation_key="A-2")

    assert (result.outcome, result.instance_id) == ("delivered", second.pk)
    assert refreshed(second).status == "completed"
    assert refreshed(first).status == "running"
    assert open_tasks(first) == ["review"]
    assert verify_instance(first) == [] and verify_instance(second) == []


def test_an_escalation_from_a_job_path_opens_a_task_beside_the_subprocess_without_stopping_it() -> None:
    inner = (
        '<serviceTask id="check" bpm:type="noop"/>'
        f'<intermediateThrowEvent id="escalate">{LATE}</intermediateThrowEvent><endEvent id="se2"/>'
        + flow("sf3", "ss", "check")
        + flow("sf4", "check", "escalate")
        + flow("sf5", "escalate", "se2")
    )
    boundary = (
        f'<boundaryEvent id="raised" attachedToRef="sub" cancelActivity="false">{LATE}</boundaryEvent>'
        '<userTask id="notify"/><endEvent id="notified"/>'
        + flow("b1", "raised", "notify")
        + flow("b2", "notify", "notified")
    )
    instance = start(with_subprocess(inner, boundary=boundary))
    assert run_pending_jobs(instance_id=instance.pk) == 1

    assert open_tasks(instance) == ["approve", "notify"]
    complete_user_task(task_id=open_task(instance, "notify").pk)
    assert refreshed(instance).status == "running"
    complete_user_task(task_id=open_task(instance, "approve").pk)
    assert refreshed(instance).status == "completed"
    assert Token.objects.get(instance=instance, node_id="after").status == "completed"
    assert verify_instance(instance) == []


def test_a_non_interrupting_timer_cycle_starts_one_run_per_repetition() -> None:
    cycle = "<timerEventDefinition><timeCycle>R2/PT1H</timeCycle></timerEventDefinition>"
    instance = start(REVIEW + simple_event_subprocess("remind", cycle, interrupting=False, task="user"))
    timer = Timer.objects.get(instance=instance, node_id="remind_start")

    for repetition in (1, 2):
        with clock.virtual_time(instance.started_at + timedelta(hours=repetition, seconds=5)):
            assert fire_due_timers() == 1
    with clock.virtual_time(instance.started_at + timedelta(hours=5)):
        assert fire_due_timers() == 0  # R2: two repetitions only

    timer.refresh_from_db()
    assert (timer.status, timer.fired_count) == (TimerStatus.FIRED, 2)
    assert open_tasks(instance) == ["review", "remind_work", "remind_work"]
    for task in UserTask.objects.filter(instance=instance, status=UserTaskStatus.OPEN).order_by("pk"):
        complete_user_task(task_id=task.pk)
    assert refreshed(instance).status == "completed"
    assert verify_instance(instance) == []
