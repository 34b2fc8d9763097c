"""django-q2 glue: jobs are sent to the queue after commit, and a message only runs a job it can claim."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from pytest_django.fixtures import Settings

from engine.services import deploy, start_instance
from engine.store.models import Job
from engine.worker.dispatch import REDISPATCH_AFTER, RUN_JOB, dispatch_due
from engine.worker.tasks import run_job
from tests.worker.models import one_cli_task_process

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def django_q_queue(settings: Settings) -> None:
    settings.BPM_JOB_QUEUE = "django-q"


def queued_job_ids() -> list[int]:
    messages = [SignedPackage.loads(message.payload) for message in OrmQ.objects.order_by("pk")]
    assert all(message["func"] == RUN_JOB for message in messages)
    return [message["args"][0] for message in messages]


def test_it_sends_a_new_job_to_the_queue_once_the_transaction_commits() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))

    job = Job.objects.get(instance=instance)
    assert queued_job_ids() == [job.pk]
    assert job.dispatched_at is not None


def test_a_message_runs_its_job_once_however_often_it_is_delivered() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("echo ran")))
    job = Job.objects.get(instance=instance)

    assert run_job(job.pk) == "completed"
    assert run_job(job.pk) == "skipped"

    instance.refresh_from_db()
    job.refresh_from_db()
    assert (instance.status, instance.variables, job.attempts) == ("completed", {"work_out": "ran"}, 1)


def test_the_scheduler_pass_sends_jobs_that_are_due_but_not_on_their_way() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    job = Job.objects.get(instance=instance)
    OrmQ.objects.all().delete()  # the message was lost

    now = timezone.now()
    assert dispatch_due(now) == 0, "a message sent a moment ago is trusted"
    assert dispatch_due(now + REDISPATCH_AFTER + timedelta(seconds=1)) == 1
    assert queued_job_ids() == [job.pk]


def test_it_sends_nothing_when_the_worker_polls_the_job_table(settings: Settings) -> None:
    settings.BPM_JOB_QUEUE = "threads"

    start_instance(definition=deploy(one_cli_task_process("true")))

    assert not OrmQ.objects.exists()
