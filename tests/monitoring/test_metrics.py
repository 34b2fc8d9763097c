"""/metrics: the Prometheus text format, for a viewer's session or the scrape token only."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.services import cancel_instance, complete_job, deploy, fail_job, start_instance
from engine.store.models import Job
from tests.monitoring.live import user_with_role
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db


def samples(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line and not line.startswith("#")
    }


def test_it_refuses_anonymous_scrapes_and_wrong_tokens(settings: object) -> None:
    settings.BPM_METRICS_TOKEN = "s3cret"  # type: ignore[attr-defined]
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_it_counts_instances_incidents_jobs_and_job_latency(settings: object) -> None:
    settings.BPM_METRICS_TOKEN = "s3cret"  # type: ignore[attr-defined]
    review = deploy(review_process())
    start_instance(definition=review)
    cancel_instance(instance_id=start_instance(definition=review).pk)
    chain = start_instance(definition=deploy(service_chain_process()))
    complete_job(job_id=Job.objects.get(instance=chain, node_id="greet").pk)
    fail_job(job_id=Job.objects.get(instance=chain, node_id="check").pk, error="boom")

    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")

    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    values = samples(response.content.decode())
    assert values['bpm_instances_started_total{process="order_review"}'] == 2
    assert values['bpm_instances_ended_total{process="order_review",status="cancelled_or_terminated"}'] == 1
    assert values['bpm_instances_running{process="chain"}'] == 1
    assert values["bpm_instances_failed"] == 1
    assert values["bpm_incidents_open"] == 1
    assert values['bpm_jobs{status="completed"}'] == 1
    assert values['bpm_jobs{status="failed"}'] == 1
    assert values['bpm_job_latency_seconds_bucket{le="+Inf"}'] == 1
    assert values["bpm_job_latency_seconds_count"] == 1
    assert values['bpm_job_latency_seconds_bucket{le="300"}'] == 1
    assert "# TYPE bpm_job_latency_seconds histogram" in response.content.decode()


def test_a_viewer_may_read_the_metrics_in_the_browser() -> None:
    client = Client()
    client.force_login(user_with_role("vera", "viewers"))
    assert client.get("/metrics").status_code == 200
