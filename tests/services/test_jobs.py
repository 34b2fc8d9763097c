"""complete_job / fail_job / retry_incident: at-least-once reports apply exactly once."""

from __future__ import annotations

import pytest

from engine.services import (
    InvalidState,
    InvalidVariables,
    NotFound,
    cancel_instance,
    complete_job,
    deploy,
    fail_job,
    retry_incident,
    start_instance,
)
from engine.store.models import Event, Incident, Job, ProcessInstance, Token
from engine.store.verify import verify_instance
from tests.services.models import service_chain_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance() -> ProcessInstance:
    """Waiting at `greet`, a noop service task whose job is pending."""
    return start_instance(definition=deploy(service_chain_process()))


def test_it_schedules_a_job_with_the_service_task_definition(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)

    assert (job.node_id, job.kind, job.handler_type, job.status, job.attempts) == (
        "greet",
        "service_task",
        "noop",
        "pending",
        0,
    )
    assert job.fields == {"result": '{"greeting": "hello"}'}
    assert job.token_id == Token.objects.get(instance=instance, status="waiting").token_id
    assert job.idempotency_key is not None


def test_it_applies_a_job_result_and_schedules_the_next_job(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)

    after = complete_job(job_id=job.pk, variables={"greeting": "hi"})

    job.refresh_from_db()
    assert (job.status, after.variables) == ("completed", {"greeting": "hi"})
    assert job.completed_at is not None
    next_job = Job.objects.get(instance=instance, status="pending")
    assert (next_job.node_id, next_job.handler_type) == ("check", "cli")
    assert next_job.fields["argv"] == ["sh", "-c", "exit 0"]
    assert verify_instance(instance) == []


def test_it_ignores_a_duplicate_delivery_of_a_job_result(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)
    first = complete_job(job_id=job.pk, variables={"n": 1})
    events = Event.objects.filter(instance=instance).count()

    again = complete_job(job_id=job.pk, variables={"n": 2})

    assert (again.pk, again.version, again.variables) == (first.pk, first.version, {"n": 1})
    assert Event.objects.filter(instance=instance).count() == events


def test_it_raises_an_incident_for_a_failed_job(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)

    after = fail_job(job_id=job.pk, error="mail server down", details="stack trace")

    job.refresh_from_db()
    incident = Incident.objects.get(instance=instance)
    assert (job.status, job.last_error) == ("failed", "mail server down")
    assert (incident.node_id, incident.error, incident.details, incident.job) == (
        "greet",
        "mail server down",
        "stack trace",
        job,
    )
    assert incident.resolved_at is None
    assert Token.objects.get(instance=instance, node_id="greet").status == "failed"
    assert after.status == "running"
    assert verify_instance(instance) == []


def test_it_ignores_a_late_failure_and_refuses_a_late_success_of_a_failed_job(
    instance: ProcessInstance,
) -> None:
    job = Job.objects.get(instance=instance)
    fail_job(job_id=job.pk, error="boom")

    fail_job(job_id=job.pk, error="boom again")
    with pytest.raises(InvalidState, match="already failed"):
        complete_job(job_id=job.pk)

    assert Incident.objects.filter(instance=instance).count() == 1


def test_it_retries_an_incident_with_a_new_job(instance: ProcessInstance) -> None:
    failed = Job.objects.get(instance=instance)
    fail_job(job_id=failed.pk, error="boom")
    incident = Incident.objects.get(instance=instance)

    retry_incident(incident_id=incident.pk)

    incident.refresh_from_db()
    retried = Job.objects.get(instance=instance, status="pending")
    assert incident.resolved_at is not None
    assert (retried.node_id, retried.token_id) == ("greet", failed.token_id)
    assert retried.idempotency_key != failed.idempotency_key
    with pytest.raises(InvalidState, match="already resolved"):
        retry_incident(incident_id=incident.pk)
    assert verify_instance(instance) == []


def test_it_ignores_the_result_of_a_job_cancelled_with_its_instance(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)
    cancel_instance(instance_id=instance.pk)

    after = complete_job(job_id=job.pk, variables={"late": True})

    job.refresh_from_db()
    assert (job.status, after.status, after.variables) == ("cancelled", "cancelled", {})


def test_it_refuses_a_result_that_is_not_a_json_object(instance: ProcessInstance) -> None:
    job = Job.objects.get(instance=instance)

    with pytest.raises(InvalidVariables):
        complete_job(job_id=job.pk, variables="done")

    job.refresh_from_db()
    assert job.status == "pending"


def test_it_says_when_the_job_does_not_exist() -> None:
    with pytest.raises(NotFound, match="job 777 does not exist"):
        complete_job(job_id=777)
