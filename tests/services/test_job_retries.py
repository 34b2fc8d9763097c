"""set_job_retries: more attempts for an open job; a failed job runs again with that many."""

from __future__ import annotations

import pytest

from engine.services import (
    InvalidInput,
    InvalidState,
    NotFound,
    complete_job,
    deploy,
    fail_job,
    start_instance,
)
from engine.services.retries import retry_job, set_job_retries
from engine.store.models import Incident, Job
from engine.store.verify import verify_instance
from tests.services.models import service_chain_process

pytestmark = pytest.mark.django_db


def test_an_open_job_gets_that_many_more_attempts() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    job = Job.objects.get(instance=instance)
    Job.objects.filter(pk=job.pk).update(attempts=2)

    updated = set_job_retries(job_id=job.pk, retries=4)

    assert (updated.pk, updated.max_attempts) == (job.pk, 6)


def test_a_failed_job_runs_again_as_a_new_job_and_its_incident_is_resolved() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    failed = Job.objects.get(instance=instance)
    fail_job(job_id=failed.pk, error="down")

    new = set_job_retries(job_id=failed.pk, retries=3)

    assert new.pk != failed.pk
    assert (new.node_id, new.status, new.attempts, new.max_attempts) == ("greet", "pending", 0, 3)
    assert Incident.objects.get(instance=instance).resolved_at is not None
    assert verify_instance(instance) == []


def test_it_refuses_what_cannot_be_retried() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    job = Job.objects.get(instance=instance)

    with pytest.raises(InvalidInput, match="from 0 to 100"):
        set_job_retries(job_id=job.pk, retries=-1)
    with pytest.raises(InvalidInput):
        set_job_retries(job_id=job.pk, retries=True)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        set_job_retries(job_id=123456, retries=1)
    complete_job(job_id=job.pk)
    with pytest.raises(InvalidState, match="is completed"):
        set_job_retries(job_id=job.pk, retries=1)


def test_retry_job_refuses_a_running_job_and_runs_a_failed_one_again() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    job = Job.objects.get(instance=instance)
    Job.objects.filter(pk=job.pk).update(status="running")

    with pytest.raises(InvalidState, match="is running now"):
        retry_job(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(status="pending")
    fail_job(job_id=job.pk, error="down")
    new = retry_job(job_id=job.pk)

    assert (new.node_id, new.status) == ("greet", "pending")
    assert new.pk != job.pk
    assert verify_instance(instance) == []
