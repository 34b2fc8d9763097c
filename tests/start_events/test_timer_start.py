"""Timer start events: deploying arms them, each firing starts an instance, never early or twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from engine.services import InvalidState, deploy, fire_due_timers, start_instance
from engine.services.timers import fire_start_timer
from engine.store import clock
from engine.store.models import ProcessInstance, StartTimer, TimerStatus, Token
from engine.store.verify import verify_instance
from tests.start_events.models import timer_started

pytestmark = pytest.mark.django_db


def instances_of(key: str) -> list[ProcessInstance]:
    return list(ProcessInstance.objects.filter(definition__key=key).order_by("pk"))


def test_a_date_start_timer_starts_one_instance_at_its_date_never_before() -> None:
    definition = deploy(timer_started("dated", "timeDate", "2099-03-01T09:00:00Z"))
    timer = StartTimer.objects.get(definition=definition)
    due = datetime(2099, 3, 1, 9, tzinfo=UTC)
    assert (timer.status, timer.due_at, timer.node_id) == (TimerStatus.ARMED, due, "tick")

    with clock.virtual_time(due - timedelta(seconds=1)):
        assert fire_due_timers() == 0
    assert instances_of("dated") == []
    with clock.virtual_time(due + timedelta(minutes=5)):  # late is fine
        assert fire_due_timers() == 1
        assert fire_due_timers() == 0
        assert fire_start_timer(timer_id=timer.pk) is None
    (instance,) = instances_of("dated")
    assert instance.status == "running"
    assert list(Token.objects.filter(instance=instance).values_list("node_id", flat=True).order_by("pk")) == [
        "tick",
        "work",
    ]
    timer.refresh_from_db()
    assert (timer.status, timer.fired_count) == (TimerStatus.FIRED, 1)
    assert verify_instance(instance) == []


def test_a_duration_counts_from_the_deployment() -> None:
    before = clock.now()
    definition = deploy(timer_started("delayed", "timeDuration", "PT30M"))
    timer = StartTimer.objects.get(definition=definition)
    assert timedelta(minutes=30) <= timer.due_at - before < timedelta(minutes=31)
    assert fire_due_timers() == 0
    with clock.virtual_time(timer.due_at):
        assert fire_due_timers() == 1
    assert len(instances_of("delayed")) == 1


def test_a_cycle_r3_starts_three_instances_on_schedule_then_stops() -> None:
    definition = deploy(timer_started("thrice", "timeCycle", "R3/PT10M"))
    timer = StartTimer.objects.get(definition=definition)
    first = timer.due_at
    for repetition in range(3):
        due = first + timedelta(minutes=10 * repetition)
        with clock.virtual_time(due - timedelta(microseconds=1)):
            assert fire_due_timers() == 0
        with clock.virtual_time(due):
            assert fire_due_timers() == 1
        assert len(instances_of("thrice")) == repetition + 1
    timer.refresh_from_db()
    assert (timer.status, timer.fired_count) == (TimerStatus.FIRED, 3)
    with clock.virtual_time(first + timedelta(days=1)):
        assert fire_due_timers() == 0
    assert len(instances_of("thrice")) == 3


def test_an_anchored_cycle_fires_at_its_slots_and_folds_the_missed_ones() -> None:
    with clock.virtual_time(datetime(2026, 1, 3, 12, tzinfo=UTC)):
        definition = deploy(timer_started("daily", "timeCycle", "R/2026-01-01T00:00:00Z/P1D"))
    timer = StartTimer.objects.get(definition=definition)
    # Deployed 2.5 days after the start: the missed slots fold into one firing, due at once.
    assert timer.due_at == datetime(2026, 1, 3, tzinfo=UTC)
    with clock.virtual_time(datetime(2026, 1, 3, 12, tzinfo=UTC)):
        assert fire_due_timers() == 1
    timer.refresh_from_db()
    assert timer.due_at == datetime(2026, 1, 4, tzinfo=UTC)
    with clock.virtual_time(datetime(2026, 1, 4, tzinfo=UTC)):
        assert fire_due_timers() == 1
    assert len(instances_of("daily")) == 2


def test_a_new_version_replaces_the_start_timers_of_the_old_one() -> None:
    old = deploy(timer_started("report", "timeCycle", "R/PT1H"))
    new = deploy(timer_started("report", "timeCycle", "R/PT2H"))
    assert new.version == 2
    assert StartTimer.objects.get(definition=old).status == TimerStatus.CANCELLED
    fresh = StartTimer.objects.get(definition=new)
    assert fresh.status == TimerStatus.ARMED
    with clock.virtual_time(clock.now() + timedelta(hours=1, minutes=30)):
        assert fire_due_timers() == 0  # the old hourly timer is gone
    with clock.virtual_time(fresh.due_at):
        assert fire_due_timers() == 1
    assert [instance.definition_id for instance in instances_of("report")] == [new.pk]
    # Deploying the same XML again changes nothing: the timer is not armed a second time.
    assert deploy(timer_started("report", "timeCycle", "R/PT2H")).pk == new.pk
    assert StartTimer.objects.filter(status=TimerStatus.ARMED).count() == 1


def test_a_version_without_start_timers_disarms_the_old_ones() -> None:
    old = deploy(timer_started("report", "timeDuration", "PT1M"))
    deploy(
        timer_started("report", "timeDuration", "PT1M").replace(
            "<timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition>", ""
        )
    )
    assert StartTimer.objects.get(definition=old).status == TimerStatus.CANCELLED
    with clock.virtual_time(clock.now() + timedelta(hours=1)):
        assert fire_due_timers() == 0


def test_a_suspended_definition_fires_its_start_timer_once_activated_again() -> None:
    definition = deploy(timer_started("paused", "timeDuration", "PT1M"))
    timer = StartTimer.objects.get(definition=definition)
    type(definition).objects.filter(pk=definition.pk).update(suspended=True)
    with clock.virtual_time(timer.due_at + timedelta(hours=1)):
        assert fire_due_timers() == 0
        type(definition).objects.filter(pk=definition.pk).update(suspended=False)
        assert fire_due_timers() == 1
    assert len(instances_of("paused")) == 1


def test_a_plain_start_of_a_process_without_a_none_start_event_says_how_it_starts() -> None:
    definition = deploy(timer_started("dated", "timeDate", "2099-03-01T09:00:00Z"))
    with pytest.raises(
        InvalidState, match="no none start event; it starts only by its timer start event 'tick'"
    ):
        start_instance(definition=definition)
    assert instances_of("dated") == []


def _fire(timer_id: int, at: datetime, barrier: threading.Barrier, results: list[object]) -> None:
    try:
        barrier.wait()
        with clock.virtual_time(at):
            results.append(fire_start_timer(timer_id=timer_id))
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_for_a_start_timer_start_one_instance_per_due_time() -> None:
    definition = deploy(timer_started("raced", "timeCycle", "R20/PT1M"))
    timer = StartTimer.objects.get(definition=definition)
    for repetition in range(20):
        due = timer.due_at + timedelta(minutes=repetition)
        barrier = threading.Barrier(2)
        results: list[object] = []
        threads = [threading.Thread(target=_fire, args=(timer.pk, due, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sum(result is not None for result in results) == 1, results
        assert len(instances_of("raced")) == repetition + 1
    timer.refresh_from_db()
    assert (timer.status, timer.fired_count) == (TimerStatus.FIRED, 20)
