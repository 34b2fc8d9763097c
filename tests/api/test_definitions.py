"""Definitions: deploy (JSON and upload), list, get, XML, statistics, suspend and activate."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from engine.services import deploy, start_instance
from engine.store.models import ProcessDefinition
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db


def test_it_deploys_a_model_sent_as_json(modeler: APIClient) -> None:
    answer = modeler.post("/api/v1/definitions", {"xml": review_process()}, format="json")

    assert answer.status_code == 201, answer.content
    assert answer.json()["key"] == "order_review"
    assert answer.json()["version"] == 1
    assert answer.json()["deployed_by"] == "mona"
    assert ProcessDefinition.objects.filter(key="order_review").count() == 1


def test_it_deploys_an_uploaded_file(modeler: APIClient) -> None:
    upload = SimpleUploadedFile("review.bpmn", review_process().encode(), content_type="application/xml")

    answer = modeler.post("/api/v1/definitions", {"file": upload}, format="multipart")

    assert answer.status_code == 201, answer.content
    assert answer.json()["key"] == "order_review"


def test_it_refuses_a_broken_model_naming_element_and_line(modeler: APIClient) -> None:
    broken = review_process().replace('targetRef="end"', 'targetRef="nowhere"')

    answer = modeler.post("/api/v1/definitions", {"xml": broken}, format="json")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:bpmportal:problem:invalid-bpmn"
    error = next(e for e in problem["errors"] if e["element_id"] == "f2")
    assert error["element_type"] == "sequenceFlow"
    assert error["line"] == 10
    assert error["field"] == "xml"
    assert "nowhere" in error["message"]
    assert "line 10, sequenceFlow 'f2'" in problem["detail"]
    assert not ProcessDefinition.objects.exists()


def test_it_refuses_a_body_without_xml_naming_the_field(modeler: APIClient) -> None:
    answer = modeler.post("/api/v1/definitions", {"process_id": "x"}, format="json")

    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "xml", "message": "This field is required."}]


def test_it_lists_latest_versions_or_all_filtered_by_key(viewer: APIClient) -> None:
    deploy(review_process())
    deploy(review_process(name="Review v2"))
    deploy(service_chain_process())

    every = viewer.get("/api/v1/definitions").json()
    latest = viewer.get("/api/v1/definitions?latest=true").json()
    by_key = viewer.get("/api/v1/definitions?key=order_review").json()

    assert every["count"] == 3
    assert sorted((d["key"], d["version"]) for d in latest["results"]) == [("chain", 1), ("order_review", 2)]
    assert [d["version"] for d in by_key["results"]] == [2, 1]


def test_it_pages_the_list_and_refuses_a_bad_limit(viewer: APIClient) -> None:
    for i in range(3):
        deploy(review_process(f"p{i}"))

    page = viewer.get("/api/v1/definitions?limit=2&offset=2").json()
    bad = viewer.get("/api/v1/definitions?limit=0")

    assert (page["count"], page["limit"], page["offset"], len(page["results"])) == (3, 2, 2, 1)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "limit"


def test_it_answers_one_definition_and_its_xml(viewer: APIClient) -> None:
    definition = deploy(review_process())

    one = viewer.get(f"/api/v1/definitions/{definition.pk}")
    xml = viewer.get(f"/api/v1/definitions/{definition.pk}/xml")
    missing = viewer.get("/api/v1/definitions/999999")

    assert one.json()["key"] == "order_review"
    assert xml["Content-Type"].startswith("application/xml")
    assert xml.content.decode() == review_process()
    assert missing.status_code == 404
    assert missing.json()["detail"] == "process definition 999999 does not exist"


def test_it_counts_tokens_and_incidents_per_node(viewer: APIClient) -> None:
    definition = deploy(review_process())
    start_instance(definition=definition)
    start_instance(definition=definition)

    stats = {
        row["node_id"]: row for row in viewer.get(f"/api/v1/definitions/{definition.pk}/statistics").json()
    }

    assert stats["review"] == {
        "node_id": "review",
        "active": 2,
        "completed": 0,
        "failed": 0,
        "open_incidents": 0,
    }
    assert stats["start"]["completed"] == 2
    assert stats["end"]["active"] == 0


def test_a_suspended_definition_starts_nothing_until_activated(operator: APIClient) -> None:
    definition = deploy(review_process())

    suspended = operator.post(f"/api/v1/definitions/{definition.pk}/suspend")
    refused = operator.post("/api/v1/instances", {"definition_id": definition.pk}, format="json")
    activated = operator.post(f"/api/v1/definitions/{definition.pk}/activate")
    started = operator.post("/api/v1/instances", {"definition_id": definition.pk}, format="json")

    assert suspended.json()["suspended"] is True
    assert refused.status_code == 409
    assert "suspended" in refused.json()["detail"]
    assert activated.json()["suspended"] is False
    assert started.status_code == 201
