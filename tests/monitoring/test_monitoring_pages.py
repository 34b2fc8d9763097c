"""Monitoring pages and their JSON: who may see them, what they show, the operator actions."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.services import deploy, fail_job, start_instance
from engine.store.models import Incident, Job, ProcessDefinition, ProcessInstance
from tests.monitoring.live import user_with_role
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db


def client_for(role: str | None, username: str = "someone") -> Client:
    client = Client()
    client.force_login(user_with_role(username, role))
    return client


@pytest.fixture
def failed_instance() -> ProcessInstance:
    """An instance stopped by an incident at `greet` (its job failed)."""
    instance = start_instance(definition=deploy(service_chain_process()))
    fail_job(job_id=Job.objects.get(instance=instance).pk, error="mail server down")
    return instance


@pytest.mark.parametrize("url", ["/monitoring/", "/monitoring/dashboard.json", "/monitoring/analytics/"])
def test_it_sends_anonymous_visitors_to_the_login_page(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_users_without_a_monitoring_role() -> None:
    assert client_for(None).get("/monitoring/").status_code == 403


def test_the_dashboard_counts_running_completed_and_failed(failed_instance: ProcessInstance) -> None:
    review = deploy(review_process())
    start_instance(definition=review)

    snapshot = client_for("viewers").get("/monitoring/dashboard.json").json()

    rows = {row["key"]: row for row in snapshot["definitions"]}
    assert (rows["chain"]["running"], rows["chain"]["failed"], rows["chain"]["incidents"]) == (1, 1, 1)
    assert (rows["order_review"]["running"], rows["order_review"]["failed"]) == (1, 0)
    assert [(f["instance"], f["node"], f["error"]) for f in snapshot["recent_failures"]] == [
        (failed_instance.pk, "greet", "mail server down")
    ]


def test_the_definition_page_badges_the_nodes_holding_tokens_and_incidents(
    failed_instance: ProcessInstance,
) -> None:
    client = client_for("viewers")

    summary = client.get(f"/monitoring/definitions/{failed_instance.definition_id}/summary.json").json()
    page = client.get(f"/monitoring/definitions/{failed_instance.definition_id}/")

    assert summary["nodes"] == {"greet": {"tokens": 1, "incidents": 1}}
    assert page.status_code == 200
    assert b"vendor/bpmn-js/bpmn-navigated-viewer.production.min.js" in page.content


def test_the_instance_page_carries_the_event_log_and_the_incident(failed_instance: ProcessInstance) -> None:
    detail = client_for("viewers").get(f"/monitoring/instances/{failed_instance.pk}/detail.json").json()

    assert [event["seq"] for event in detail["events"]] == list(range(1, failed_instance.last_seq + 2))
    assert detail["events"][-1]["type"] == "incident_raised"
    assert [(i["node"], i["error"], i["resolved_at"]) for i in detail["incidents"]] == [
        ("greet", "mail server down", None)
    ]


def test_a_viewer_cannot_act(failed_instance: ProcessInstance) -> None:
    client = client_for("viewers")

    assert client.post(f"/monitoring/instances/{failed_instance.pk}/cancel/").status_code == 403
    failed_instance.refresh_from_db()
    assert failed_instance.status == "running"
    assert b"Operator actions" not in client.get(f"/monitoring/instances/{failed_instance.pk}/").content


def test_an_operator_retries_an_incident(failed_instance: ProcessInstance) -> None:
    incident = Incident.objects.get(instance=failed_instance)

    response = client_for("operators").post(
        f"/monitoring/instances/{failed_instance.pk}/incidents/{incident.pk}/retry/", follow=True
    )

    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert f"Incident {incident.pk} retried." in response.content.decode()
    assert Job.objects.filter(instance=failed_instance, status="pending").count() == 1


def test_an_operator_cancels_an_instance_and_a_second_cancel_says_why_not(
    failed_instance: ProcessInstance,
) -> None:
    client = client_for("operators")
    url = f"/monitoring/instances/{failed_instance.pk}/cancel/"

    client.post(url, {"reason": "customer withdrew"})
    again = client.post(url, follow=True)

    failed_instance.refresh_from_db()
    assert failed_instance.status == "cancelled"
    assert f"cannot cancel instance {failed_instance.pk}" in again.content.decode()


def test_an_operator_moves_a_token() -> None:
    instance = start_instance(definition=deploy(review_process()))

    client_for("operators").post(
        f"/monitoring/instances/{instance.pk}/modify/", {"cancel_nodes": "review", "start_nodes": "end"}
    )

    instance.refresh_from_db()
    assert instance.status == "completed"


def test_a_bad_modification_changes_nothing_and_names_the_node() -> None:
    instance = start_instance(definition=deploy(review_process()))

    response = client_for("operators").post(
        f"/monitoring/instances/{instance.pk}/modify/", {"start_nodes": "nowhere"}, follow=True
    )

    instance.refresh_from_db()
    assert instance.status == "running"
    assert "nowhere" in response.content.decode()


def test_an_operator_suspends_and_activates_a_definition() -> None:
    definition = deploy(review_process())
    client = client_for("operators")
    url = f"/monitoring/definitions/{definition.pk}/suspension/"

    client.post(url, {"suspend": "1"})
    assert ProcessDefinition.objects.get(pk=definition.pk).suspended
    client.post(url, {"suspend": "0"})
    assert not ProcessDefinition.objects.get(pk=definition.pk).suspended


def test_the_pages_render_for_a_viewer(failed_instance: ProcessInstance) -> None:
    client = client_for("viewers")
    for url in (
        "/monitoring/",
        "/monitoring/analytics/",
        f"/monitoring/analytics/?definition={failed_instance.definition_id}",
        f"/monitoring/definitions/{failed_instance.definition_id}/?status=running",
        f"/monitoring/instances/{failed_instance.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/monitoring/instances/999999/").status_code == 404
