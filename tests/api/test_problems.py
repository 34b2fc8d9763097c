"""Errors are RFC 9457 problem documents, and bad input of any shape is a 4xx."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HUGE = 10**30


def test_unreadable_json_is_a_malformed_request(operator: APIClient) -> None:
    answer = operator.post("/api/v1/instances", data="{not json", content_type="application/json")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:bpmportal:problem:malformed-request"
    assert answer.json()["instance"] == "/api/v1/instances"


def test_an_unsupported_content_type_is_415(operator: APIClient) -> None:
    answer = operator.post("/api/v1/instances", data="definition_key=x", content_type="text/plain")

    assert answer.status_code == 415
    assert answer.json()["title"] == "Unsupported media type"


def test_a_wrong_method_is_405_with_the_allowed_ones(operator: APIClient) -> None:
    answer = operator.delete("/api/v1/instances")

    assert answer.status_code == 405
    assert answer["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_an_unknown_path_under_the_api_is_a_problem_document(viewer: APIClient) -> None:
    for path in ("/api/v1/nothing-here", "/api/v1/instances/abc", "/api/v1/definitions/1/nope"):
        answer = viewer.get(path)
        assert answer.status_code == 404, path
        assert answer.json()["type"] == "urn:bpmportal:problem:not-found"


def test_numbers_too_big_for_the_database_are_not_found_or_invalid(operator: APIClient) -> None:
    assert operator.get(f"/api/v1/instances/{HUGE}").status_code == 404
    assert operator.get(f"/api/v1/instances/{HUGE}/history").status_code == 404
    assert operator.post(f"/api/v1/jobs/{HUGE}/retries", {"retries": 1}, format="json").status_code == 404
    assert operator.get(f"/api/v1/instances?definition_id={HUGE}").status_code == 400
    assert operator.post("/api/v1/instances", {"definition_id": HUGE}, format="json").status_code == 404


def test_wrong_json_types_are_refused_not_converted(operator: APIClient) -> None:
    answer = operator.post(
        "/api/v1/instances",
        {"definition_key": 5, "unique_business_key": "yes", "business_key": "K"},
        format="json",
    )

    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"definition_key", "unique_business_key"}


def test_nested_errors_name_the_item(operator: APIClient) -> None:
    answer = operator.post("/api/v1/instances/1/modify", {"cancel_nodes": ["a", 7]}, format="json")

    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "cancel_nodes.1", "message": "Not a valid string."}]
