"""Instances: start (idempotent with a unique business key), list with filters, read, cancel,
variables, history, tokens and modification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine.services import deploy, fail_job, start_instance
from engine.store.models import Job, ProcessInstance, UserTask
from engine.store.verify import verify_instance
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db


def test_it_starts_the_latest_version_by_key_with_variables(operator: APIClient) -> None:
    deploy(review_process())
    latest = deploy(review_process(name="v2"))

    answer = operator.post(
        "/api/v1/instances",
        {"definition_key": "order_review", "variables": {"amount": 5}, "business_key": "A-1"},
        format="json",
    )

    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["definition"], body["definition_version"], body["status"]) == (latest.pk, 2, "running")
    assert (body["variables"], body["business_key"], body["started_by"]) == ({"amount": 5}, "A-1", "otto")


def test_it_starts_a_definition_by_id(operator: APIClient) -> None:
    first = deploy(review_process())
    deploy(review_process(name="v2"))

    answer = operator.post("/api/v1/instances", {"definition_id": first.pk}, format="json")

    assert answer.json()["definition_version"] == 1


def test_a_unique_business_key_makes_start_idempotent(operator: APIClient) -> None:
    deploy(review_process())
    body = {"definition_key": "order_review", "business_key": "A-7", "unique_business_key": True}

    first = operator.post("/api/v1/instances", body, format="json")
    again = operator.post("/api/v1/instances", body, format="json")
    other = operator.post("/api/v1/instances", {**body, "business_key": "A-8"}, format="json")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.json()["id"] == first.json()["id"]
    assert ProcessInstance.objects.count() == 2


def test_it_refuses_bad_start_requests_field_by_field(operator: APIClient) -> None:
    deploy(review_process())

    both = operator.post("/api/v1/instances", {"definition_key": "x", "definition_id": 1}, format="json")
    bad_vars = operator.post(
        "/api/v1/instances", {"definition_key": "order_review", "variables": [1, 2]}, format="json"
    )
    unknown = operator.post("/api/v1/instances", {"definition_key": "nope"}, format="json")

    assert both.status_code == 400 and both.json()["errors"][0]["field"] == "definition_key"
    assert bad_vars.status_code == 400
    assert bad_vars.json()["errors"][0]["field"] == "variables"
    assert "must be a JSON object" in bad_vars.json()["errors"][0]["message"]
    assert unknown.status_code == 404
    assert ProcessInstance.objects.count() == 0


def test_it_lists_instances_with_filters(viewer: APIClient) -> None:
    review = deploy(review_process())
    chain = deploy(service_chain_process())
    a = start_instance(definition=review, business_key="A")
    start_instance(definition=review, business_key="B")
    broken = start_instance(definition=chain)
    fail_job(job_id=Job.objects.get(instance=broken).pk, error="boom")
    ProcessInstance.objects.filter(pk=a.pk).update(started_at=timezone.now() - timedelta(days=3))

    def ids(query: str) -> list[int]:
        answer = viewer.get(f"/api/v1/instances?{query}")
        assert answer.status_code == 200, answer.content
        return [row["id"] for row in answer.json()["results"]]

    assert len(ids("")) == 3
    assert len(ids(f"definition_id={review.pk}")) == 2
    assert ids("definition_key=chain") == [broken.pk]
    assert ids("business_key=A") == [a.pk]
    assert ids("has_incidents=true") == [broken.pk]
    assert broken.pk not in ids("has_incidents=false")
    day_ago = (timezone.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert ids(f"started_before={day_ago}") == [a.pk]
    assert a.pk not in ids(f"started_after={day_ago}")
    assert ids("status=completed") == []
    assert len(ids("limit=1")) == 1


def test_it_refuses_unknown_filter_values(viewer: APIClient) -> None:
    answer = viewer.get("/api/v1/instances?status=sleeping&started_after=yesterday")

    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"status", "started_after"}


def test_it_answers_one_instance_and_404_for_a_missing_one(viewer: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    assert viewer.get(f"/api/v1/instances/{instance.pk}").json()["id"] == instance.pk
    missing = viewer.get("/api/v1/instances/424242")
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:bpmportal:problem:not-found"


def test_it_cancels_an_instance_and_refuses_a_second_cancel(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    cancelled = operator.post(
        f"/api/v1/instances/{instance.pk}/cancel", {"reason": "duplicate"}, format="json"
    )
    again = operator.post(f"/api/v1/instances/{instance.pk}/cancel", {}, format="json")

    assert cancelled.json()["status"] == "cancelled"
    assert UserTask.objects.get(instance=instance).status == "cancelled"
    assert again.status_code == 409


def test_it_reads_and_patches_variables(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()), variables={"amount": 5, "note": "x"})

    read = operator.get(f"/api/v1/instances/{instance.pk}/variables")
    patched = operator.patch(
        f"/api/v1/instances/{instance.pk}/variables",
        {"variables": {"amount": 7, "extra": [1]}},
        format="json",
    )

    assert read.json() == {"variables": {"amount": 5, "note": "x"}}
    assert patched.json() == {"variables": {"amount": 7, "note": "x", "extra": [1]}}
    instance.refresh_from_db()
    assert instance.variables["amount"] == 7
    assert verify_instance(instance) == []


def test_it_refuses_a_variables_patch_that_is_not_an_object(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    answer = operator.patch(f"/api/v1/instances/{instance.pk}/variables", {"variables": "x"}, format="json")

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "variables"


def test_it_pages_the_event_history_in_order(viewer: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    first = viewer.get(f"/api/v1/instances/{instance.pk}/history?limit=2").json()
    rest = viewer.get(f"/api/v1/instances/{instance.pk}/history?offset=2").json()

    events = first["results"] + rest["results"]
    assert [e["seq"] for e in events] == list(range(1, first["count"] + 1))
    assert events[0]["type"] == "instance_started"
    assert events[1]["prev_hash"] == events[0]["hash"]
    assert {"token_arrived", "task_waiting"} <= {e["type"] for e in events}


def test_it_lists_the_current_tokens(viewer: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    tokens = viewer.get(f"/api/v1/instances/{instance.pk}/tokens").json()

    assert [(t["node_id"], t["status"]) for t in tokens] == [("review", "waiting")]


def test_an_operator_moves_a_token_from_a_failed_task_to_the_end(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(service_chain_process(command="exit 3")))
    fail_job(job_id=Job.objects.get(instance=instance).pk, error="boom")

    answer = operator.post(
        f"/api/v1/instances/{instance.pk}/modify",
        {"cancel_nodes": ["greet"], "start_nodes": ["end"]},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "completed"
    assert not instance.incidents.filter(resolved_at__isnull=True).exists()
    assert verify_instance(instance) == []


def test_it_refuses_a_modification_naming_an_unknown_node(operator: APIClient) -> None:
    instance = start_instance(definition=deploy(review_process()))

    unknown = operator.post(
        f"/api/v1/instances/{instance.pk}/modify", {"start_nodes": ["ghost"]}, format="json"
    )
    empty = operator.post(f"/api/v1/instances/{instance.pk}/modify", {}, format="json")

    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "not nodes of process 'order_review': 'ghost'"
    assert empty.status_code == 400
    assert instance.tokens.get(node_id="review").status == "waiting"
