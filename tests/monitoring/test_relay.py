"""The relay's tail of committed events, and the lease that picks one publishing relay."""

from __future__ import annotations

import os
import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction

from engine.services import deploy, start_instance
from engine.store.models import ProcessDefinition
from monitoring.live.relay import CommittedEventTail, Lease, publications
from tests.services.models import review_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.postgres
def test_it_finds_an_event_committed_after_a_later_one() -> None:
    """PostgreSQL hands out ids at insert: a slow transaction commits its smaller id last."""
    definition = deploy(review_process())
    tail = CommittedEventTail.from_now()
    inserted, may_commit = threading.Event(), threading.Event()
    slow_instance: list[int] = []

    def slow() -> None:
        try:
            with transaction.atomic():
                slow_instance.append(
                    start_instance(definition=ProcessDefinition.objects.get(pk=definition.pk)).pk
                )
                inserted.set()
                may_commit.wait(timeout=30)
        finally:
            connection.close()  # this thread's own connection; the test database is dropped later

    writer = threading.Thread(target=slow)
    writer.start()
    assert inserted.wait(timeout=30)
    fast = start_instance(definition=definition)
    first = tail.poll()
    may_commit.set()
    writer.join(timeout=30)
    second = tail.poll()

    assert {row["instance_id"] for row in first} == {fast.pk}
    assert {row["instance_id"] for row in second} == set(slow_instance)
    assert tail.poll() == []


def test_it_returns_each_committed_event_once_in_id_order() -> None:
    definition = deploy(review_process())
    tail = CommittedEventTail.from_now()
    instance = start_instance(definition=definition)

    rows = tail.poll()

    assert [row["seq"] for row in rows] == list(range(1, instance.last_seq + 1))
    assert tail.poll() == []


def test_it_publishes_to_the_instance_definition_dashboard_and_task_groups() -> None:
    definition = deploy(review_process())
    tail = CommittedEventTail.from_now()
    instance = start_instance(definition=definition)

    groups = publications(tail.poll())

    assert set(groups) == {
        f"bpm.instance.{instance.pk}",
        f"bpm.definition.{definition.pk}",
        "bpm.dashboard",
        "bpm.usertasks",
    }
    assert [event["type"] for event in groups["bpm.usertasks"]] == ["node_completed", "task_waiting"]
    assert "payload" in groups[f"bpm.instance.{instance.pk}"][0]


def test_only_one_relay_holds_the_redis_lease(settings: object) -> None:
    settings.CHANNEL_LAYERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": f"bpmlease{os.getpid()}"},
        }
    }

    async def contest() -> tuple[bool, bool, bool]:
        first, second = Lease(), Lease()
        try:
            return await first.held(), await second.held(), await first.held()
        finally:
            await first.redis.delete(first.key)

    assert async_to_sync(contest)() == (True, False, True)
