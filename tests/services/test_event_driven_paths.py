"""Paths chosen by events, through the services on the real database.

Event-based gateways, message, signal and escalation boundary events and an interrupting
escalation event subprocess: which path the instance takes, what its event log says, and
which waits (timers, subscriptions, user tasks) are withdrawn on the way.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import (
    NoSubscription,
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
    MessageSubscription,
    ProcessInstance,
    SignalSubscription,
    Timer,
    TimerStatus,
    UserTask,
    UserTaskStatus,
)
from engine.store.verify import verify_instance
from tests.event_subprocesses.models import (
    CANCEL,
    LATE,
    ROOTS,
    SHUTDOWN,
    simple_event_subprocess,
    with_subprocess,
)
from tests.runtime.models import document, flow

pytestmark = pytest.mark.django_db

REPLY = '<messageEventDefinition messageRef="reply"/>'


def start(body: str, variables: dict[str, object] | None = None) -> ProcessInstance:
    roots = ROOTS + '<message id="reply" name="Reply"/>'
    return start_instance(definition=deploy(document(body, roots=roots)), variables=variables or {})


def refreshed(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


def logged(instance: ProcessInstance, event_type: str) -> list[str]:
    """The nodes of the instance's events of this type, in the order of its event log."""
    return list(instance.events.filter(type=event_type).order_by("seq").values_list("node_id", flat=True))


def open_tasks(instance: ProcessInstance) -> list[str]:
    tasks = UserTask.objects.filter(instance=instance, status=UserTaskStatus.OPEN).order_by("pk")
    return [task.node_id for task in tasks]


def complete(instance: ProcessInstance, node: str) -> None:
    """Complete the oldest open user task at `node`."""
    task = UserTask.objects.filter(instance=instance, node_id=node, status=UserTaskStatus.OPEN).earliest("pk")
    complete_user_task(task_id=task.pk)


def task_status(instance: ProcessInstance, node: str) -> str:
    return UserTask.objects.get(instance=instance, node_id=node).status


# Event-based gateway -------------------------------------------------------------------------

#: start -> first (event-based) -> the reply for this order (answered) or three days (gave_up).
RACE = (
    '<startEvent id="s"/><eventBasedGateway id="first"/>'
    f'<intermediateCatchEvent id="answer" bpm:correlationKey="${{orderId}}">{REPLY}</intermediateCatchEvent>'
    '<intermediateCatchEvent id="timeout"><timerEventDefinition><timeDuration>P3D</timeDuration>'
    "</timerEventDefinition></intermediateCatchEvent>"
    '<endEvent id="answered"/><endEvent id="gave_up"/>'
    + flow("f0", "s", "first")
    + flow("fa", "first", "answer")
    + flow("ft", "first", "timeout")
    + flow("f1", "answer", "answered")
    + flow("f2", "timeout", "gave_up")
)


def test_it_waits_at_an_event_based_gateway_for_the_message_and_the_timer_at_once() -> None:
    instance = start(RACE, {"orderId": "A-1"})

    assert instance.status == "running"
    assert logged(instance, "node_completed") == ["s"]
    subscription = MessageSubscription.objects.get(instance=instance)
    assert (subscription.node_id, subscription.name, subscription.correlation_key) == (
        "answer",
        "Reply",
        "A-1",
    )
    timer = Timer.objects.get(instance=instance)
    assert (timer.node_id, timer.status) == ("timeout", TimerStatus.ARMED)
    assert timer.due_at - instance.started_at >= timedelta(days=3)


def test_the_message_wins_the_race_and_the_timer_is_cancelled() -> None:
    waiting, instance = start(RACE, {"orderId": "A-1"}), start(RACE, {"orderId": "A-2"})
    timer = Timer.objects.get(instance=instance)

    result = correlate_message(name="Reply", correlation_key="A-2", variables={"text": "yes"})

    assert (result.outcome, result.instance_id) == ("delivered", instance.pk)
    assert refreshed(instance).status == "completed"
    assert instance.variables == {"orderId": "A-2", "text": "yes"}
    assert logged(instance, "node_completed") == ["s", "first", "answer", "answered"]
    timer.refresh_from_db()
    assert timer.status == TimerStatus.CANCELLED
    assert not MessageSubscription.objects.filter(instance=instance).exists()
    with clock.virtual_time(timer.due_at + timedelta(seconds=1)):
        assert fire_due_timers() == 1  # only the other order's timer: this one never fires
    assert logged(instance, "node_completed") == ["s", "first", "answer", "answered"]
    assert logged(waiting, "node_completed") == ["s", "first", "timeout", "gave_up"]
    assert verify_instance(instance) == [] and verify_instance(waiting) == []


def test_the_timer_wins_the_race_and_a_late_message_finds_nobody() -> None:
    instance = start(RACE, {"orderId": "A-1"})
    timer = Timer.objects.get(instance=instance)

    with clock.virtual_time(timer.due_at - timedelta(seconds=1)):
        assert fire_due_timers() == 0
    with clock.virtual_time(timer.due_at):
        assert fire_due_timers() == 1

    assert refreshed(instance).status == "completed"
    assert logged(instance, "node_completed") == ["s", "first", "timeout", "gave_up"]
    timer.refresh_from_db()
    assert timer.status == TimerStatus.FIRED
    assert not MessageSubscription.objects.filter(instance=instance).exists()
    with pytest.raises(NoSubscription):
        correlate_message(name="Reply", correlation_key="A-1")
    assert logged(instance, "node_completed") == ["s", "first", "timeout", "gave_up"]
    assert verify_instance(instance) == []


# Message and signal boundary events ------------------------------------------------------------


def review_with_boundary(definition: str, *, interrupting: bool) -> str:
    """start -> review (a user task) -> done, and a boundary event on review -> handle (a user task)."""
    cancel = "" if interrupting else ' cancelActivity="false"'
    return (
        '<startEvent id="s"/><userTask id="review"/><endEvent id="done"/>'
        f'<boundaryEvent id="caught" attachedToRef="review"{cancel}>{definition}</boundaryEvent>'
        '<userTask id="handle"/><endEvent id="handled"/>'
        + flow("f0", "s", "review")
        + flow("f1", "review", "done")
        + flow("f2", "caught", "handle")
        + flow("f3", "handle", "handled")
    )


def test_an_interrupting_message_boundary_cancels_the_task_and_takes_its_own_path() -> None:
    instance = start(review_with_boundary(CANCEL, interrupting=True))
    assert MessageSubscription.objects.get(instance=instance).node_id == "caught"

    result = correlate_message(name="cancel-order", variables={"reason": "customer"})

    assert (result.outcome, result.instance_id) == ("delivered", instance.pk)
    assert task_status(instance, "review") == UserTaskStatus.CANCELLED
    assert open_tasks(instance) == ["handle"]
    assert logged(instance, "token_terminated") == ["review"]
    assert refreshed(instance).variables == {"reason": "customer"}
    complete(instance, "handle")
    assert refreshed(instance).status == "completed"
    assert logged(instance, "node_completed") == ["s", "caught", "handle", "handled"]
    assert not MessageSubscription.objects.filter(instance=instance).exists()
    assert verify_instance(instance) == []


def test_a_non_interrupting_message_boundary_takes_each_message_while_the_task_stays_open() -> None:
    instance = start(review_with_boundary(CANCEL, interrupting=False))

    for _ in range(2):
        assert correlate_message(name="cancel-order").instance_id == instance.pk

    assert open_tasks(instance) == ["review", "handle", "handle"]
    assert logged(instance, "node_completed") == ["s", "caught", "caught"]
    complete(instance, "review")
    assert not MessageSubscription.objects.filter(instance=instance).exists(), "it listens while review runs"
    with pytest.raises(NoSubscription):
        correlate_message(name="cancel-order")
    for _ in range(2):
        complete(instance, "handle")
    assert refreshed(instance).status == "completed"
    assert logged(instance, "token_terminated") == []
    assert verify_instance(instance) == []


def test_an_interrupting_signal_boundary_cancels_the_task_of_every_instance_listening() -> None:
    instances = [start(review_with_boundary(SHUTDOWN, interrupting=True)) for _ in range(2)]

    assert broadcast_signal(name="shutdown", variables={"why": "maintenance"}) == 2

    for instance in instances:
        assert task_status(instance, "review") == UserTaskStatus.CANCELLED
        assert open_tasks(instance) == ["handle"]
        assert logged(instance, "node_completed") == ["s", "caught"]
        assert logged(instance, "token_terminated") == ["review"]
        assert refreshed(instance).variables == {"why": "maintenance"}
    assert not SignalSubscription.objects.exists()
    assert broadcast_signal(name="shutdown") == 0
    complete(instances[0], "handle")
    assert refreshed(instances[0]).status == "completed"
    assert all(verify_instance(instance) == [] for instance in instances)


def test_a_non_interrupting_signal_boundary_leaves_the_task_open_and_stops_listening_when_it_ends() -> None:
    instance = start(review_with_boundary(SHUTDOWN, interrupting=False))

    assert broadcast_signal(name="shutdown") == 1

    assert open_tasks(instance) == ["review", "handle"]
    assert logged(instance, "node_completed") == ["s", "caught"]
    complete(instance, "review")
    assert broadcast_signal(name="shutdown") == 0
    complete(instance, "handle")
    assert refreshed(instance).status == "completed"
    assert logged(instance, "node_completed") == ["s", "caught", "review", "done", "handle", "handled"]
    assert verify_instance(instance) == []


# Escalations ---------------------------------------------------------------------------------

#: Inside `sub`, beside the user task `approve`: a job (check), then an escalation end event.
ESCALATE_AFTER_A_JOB = (
    '<serviceTask id="check" bpm:type="noop"/>'
    f'<endEvent id="escalate">{LATE}</endEvent>'
    + flow("sf3", "ss", "check")
    + flow("sf4", "check", "escalate")
)


def test_an_interrupting_escalation_boundary_withdraws_the_subprocess_and_takes_its_own_path() -> None:
    boundary = (
        f'<boundaryEvent id="raised" attachedToRef="sub">{LATE}</boundaryEvent>'
        '<userTask id="notify"/><endEvent id="notified"/>'
        + flow("b1", "raised", "notify")
        + flow("b2", "notify", "notified")
    )
    instance = start(with_subprocess(ESCALATE_AFTER_A_JOB, boundary=boundary))
    assert open_tasks(instance) == ["approve"]

    assert run_pending_jobs(instance_id=instance.pk) == 1

    assert task_status(instance, "approve") == UserTaskStatus.CANCELLED
    assert open_tasks(instance) == ["notify"]
    assert "approve" in logged(instance, "token_terminated")
    complete(instance, "notify")
    assert refreshed(instance).status == "completed"
    path = logged(instance, "node_completed")
    assert path[-4:] == ["escalate", "raised", "notify", "notified"]
    assert "sub" not in path and "after" not in path
    assert verify_instance(instance) == []


def test_an_interrupting_escalation_event_subprocess_replaces_the_rest_of_its_subprocess() -> None:
    inner = ESCALATE_AFTER_A_JOB + simple_event_subprocess("handler", LATE, task="user")
    instance = start(with_subprocess(inner))

    assert run_pending_jobs(instance_id=instance.pk) == 1

    assert task_status(instance, "approve") == UserTaskStatus.CANCELLED
    assert open_tasks(instance) == ["handler_work"]
    assert "approve" in logged(instance, "token_terminated")
    assert refreshed(instance).status == "running"
    complete(instance, "handler_work")
    assert refreshed(instance).status == "completed"
    path = logged(instance, "node_completed")
    assert path[path.index("escalate") :] == [
        "escalate",
        "handler_start",
        "handler_work",
        "handler_end",
        "handler",
        "sub",
        "after",
        "e",
    ]
    assert verify_instance(instance) == []
