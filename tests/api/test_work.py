"""Jobs and incidents: list them, run a job again, set a job's retries, retry an incident."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine.services import deploy, fail_job, start_instance
from engine.store.models import Incident, Job, ProcessInstance
from engine.store.verify import verify_instance
from tests.services.models import service_chain_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def failed() -> ProcessInstance:
    """Stopped by an incident at `greet` (its job failed for good)."""
    instance = start_instance(definition=deploy(service_chain_process()))
    fail_job(job_id=Job.objects.get(instance=instance).pk, error="mail server down")
    return instance


def test_it_lists_jobs_and_incidents_with_filters(viewer: APIClient, failed: ProcessInstance) -> None:
    start_instance(definition=failed.definition)

    jobs = viewer.get(f"/api/v1/jobs?instance_id={failed.pk}").json()
    pending = viewer.get("/api/v1/jobs?status=pending").json()
    incidents = viewer.get("/api/v1/incidents?open=true").json()

    assert [(j["node_id"], j["status"]) for j in jobs["results"]] == [("greet", "failed")]
    assert pending["count"] == 1
    assert [(i["node_id"], i["error"], i["open"]) for i in incidents["results"]] == [
        ("greet", "mail server down", True)
    ]


def test_retrying_an_incident_runs_its_node_again(operator: APIClient, failed: ProcessInstance) -> None:
    incident = Incident.objects.get(instance=failed)

    answer = operator.post(f"/api/v1/incidents/{incident.pk}/retry")
    again = operator.post(f"/api/v1/incidents/{incident.pk}/retry")

    assert answer.status_code == 200, answer.content
    assert answer.json()["open"] is False
    assert Job.objects.filter(instance=failed, status="pending").count() == 1
    assert again.status_code == 409
    assert verify_instance(failed) == []


def test_setting_retries_on_a_failed_job_runs_it_again_with_that_many_attempts(
    operator: APIClient, failed: ProcessInstance
) -> None:
    job = Job.objects.get(instance=failed)

    answer = operator.post(f"/api/v1/jobs/{job.pk}/retries", {"retries": 5}, format="json")

    assert answer.status_code == 200, answer.content
    new = answer.json()
    assert new["id"] != job.pk
    assert (new["status"], new["max_attempts"], new["retries_left"]) == ("pending", 5, 5)
    assert Incident.objects.get(instance=failed).resolved_at is not None


def test_setting_retries_on_an_open_job_gives_it_more_attempts(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    job = Job.objects.get(instance=instance)

    answer = operator.post(f"/api/v1/jobs/{job.pk}/retries", {"retries": 7}, format="json")

    assert answer.json()["max_attempts"] == 7
    job.refresh_from_db()
    assert job.max_attempts == 7


def test_it_refuses_bad_retries(operator: APIClient, failed: ProcessInstance) -> None:
    job = Job.objects.get(instance=failed)

    negative = operator.post(f"/api/v1/jobs/{job.pk}/retries", {"retries": -1}, format="json")
    zero_for_failed = operator.post(f"/api/v1/jobs/{job.pk}/retries", {"retries": 0}, format="json")
    missing = operator.post("/api/v1/jobs/987654/retries", {"retries": 1}, format="json")

    assert negative.status_code == 400 and negative.json()["errors"][0]["field"] == "retries"
    assert zero_for_failed.status_code == 400
    assert missing.status_code == 404
    assert Incident.objects.get(instance=failed).resolved_at is None


def test_retrying_a_failed_job_runs_it_again_with_the_models_policy(
    operator: APIClient, failed: ProcessInstance
) -> None:
    job = Job.objects.get(instance=failed)

    answer = operator.post(f"/api/v1/jobs/{job.pk}/retry")
    again = operator.post(f"/api/v1/jobs/{job.pk}/retry")

    assert answer.status_code == 200, answer.content
    assert (answer.json()["status"], answer.json()["max_attempts"]) == ("pending", 3)
    assert again.status_code == 409
    assert Incident.objects.get(instance=failed).resolved_at is not None


def test_retrying_a_job_waiting_for_its_next_attempt_makes_it_due_now(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    job = Job.objects.get(instance=instance)
    later = timezone.now() + timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(due_at=later, attempts=1, dispatched_at=timezone.now())

    answer = operator.post(f"/api/v1/jobs/{job.pk}/retry")

    job.refresh_from_db()
    assert answer.json()["id"] == job.pk
    assert job.due_at < later and job.dispatched_at is None
