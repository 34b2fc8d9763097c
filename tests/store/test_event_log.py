"""The event log: numbered without gaps, hash-chained, and append-only for the application."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.db.models import ProtectedError

from engine.services import complete_user_task, deploy, start_instance
from engine.store.hashing import GENESIS_HASH
from engine.store.models import AppendOnlyError, Event, ProcessInstance, UserTask
from tests.services.models import review_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance() -> ProcessInstance:
    return start_instance(definition=deploy(review_process()), variables={"amount": 5})


def test_it_numbers_events_from_1_and_chains_each_to_the_one_before(instance: ProcessInstance) -> None:
    task = UserTask.objects.get(instance=instance)
    complete_user_task(task_id=task.pk, variables={"approved": True})

    events = list(Event.objects.filter(instance=instance).order_by("seq"))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(events))
    assert len({e.hash for e in events}) == len(events)
    instance.refresh_from_db()
    assert (instance.last_seq, instance.last_hash) == (events[-1].seq, events[-1].hash)
    assert events[0].type == "instance_started"
    assert events[0].payload == {"variables": {"amount": 5}}
    assert events[-1].type == "instance_completed"


def test_it_refuses_to_change_a_stored_event(instance: ProcessInstance) -> None:
    event = Event.objects.filter(instance=instance).first()
    event.node_id = "forged"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(instance=instance).update(node_id="forged")
    with pytest.raises(AppendOnlyError), transaction.atomic():
        Event.objects.bulk_update([event], ["node_id"])

    assert not Event.objects.filter(node_id="forged").exists()


def test_it_refuses_to_delete_events_or_the_instance_they_belong_to(instance: ProcessInstance) -> None:
    count = Event.objects.filter(instance=instance).count()

    with pytest.raises(AppendOnlyError):
        Event.objects.filter(instance=instance).first().delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(instance=instance).delete()
    with pytest.raises(ProtectedError):
        instance.delete()

    assert Event.objects.filter(instance=instance).count() == count
