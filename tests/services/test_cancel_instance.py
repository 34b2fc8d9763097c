"""cancel_instance: every token withdrawn, all open work voided, the instance ends as cancelled."""

from __future__ import annotations

import pytest

from engine.services import (
    InvalidState,
    NotFound,
    cancel_instance,
    complete_user_task,
    deploy,
    start_instance,
)
from engine.store.models import Event, Job, Token, UserTask
from engine.store.verify import verify_instance
from tests.services.models import parallel_process

pytestmark = pytest.mark.django_db


def test_it_withdraws_every_token_and_voids_open_tasks_and_jobs() -> None:
    users = start_instance(definition=deploy(parallel_process(3)))
    complete_user_task(task_id=UserTask.objects.filter(instance=users).first().pk)
    jobs = start_instance(definition=deploy(parallel_process(2, service=True, process_id="jobs")))

    for instance in (users, jobs):
        cancelled = cancel_instance(instance_id=instance.pk, reason="customer withdrew")

        assert cancelled.status == "cancelled"
        assert cancelled.ended_at is not None
        assert not Token.objects.filter(instance=instance, status__in=["waiting", "joined"]).exists()
        assert not UserTask.objects.filter(instance=instance, status="open").exists()
        assert not Job.objects.filter(instance=instance, status="pending").exists()
        last = Event.objects.filter(instance=instance).order_by("-seq").first()
        assert (last.type, last.payload) == ("instance_cancelled", {"reason": "customer withdrew"})
        assert verify_instance(instance) == []
    assert (
        Token.objects.filter(instance=users, status="terminated").count() == 3
    )  # two tasks, one at the join
    assert Job.objects.filter(instance=jobs, status="cancelled").count() == 2


def test_it_refuses_to_cancel_an_instance_that_has_ended() -> None:
    instance = start_instance(definition=deploy(parallel_process(2)))
    cancel_instance(instance_id=instance.pk)

    with pytest.raises(
        InvalidState, match=f"cannot cancel instance {instance.pk}: the instance is cancelled"
    ):
        cancel_instance(instance_id=instance.pk)


def test_it_says_when_the_instance_does_not_exist() -> None:
    with pytest.raises(NotFound, match="process instance 4242 does not exist"):
        cancel_instance(instance_id=4242)
