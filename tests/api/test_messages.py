"""Messages (correlate now, or publish with a time to live and a message id) and signals."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from engine.services import deploy, start_instance
from engine.store.models import Message, ProcessInstance
from tests.services.test_messages import PAYMENT
from tests.services.test_signals import WAITER

pytestmark = pytest.mark.django_db


def test_it_correlates_a_message_with_the_waiting_instance(operator: APIClient) -> None:
    waiting = start_instance(definition=deploy(PAYMENT), variables={"orderId": "A-1"})

    answer = operator.post(
        "/api/v1/messages",
        {"name": "OrderPaid", "correlation_key": "A-1", "variables": {"amount": 20}},
        format="json",
    )

    assert answer.status_code == 200, answer.content
    assert answer.json() == {"outcome": "delivered", "instance_id": waiting.pk}
    waiting.refresh_from_db()
    assert (waiting.status, waiting.variables["amount"]) == ("completed", 20)


def test_it_answers_404_when_nothing_waits_and_keeps_nothing(operator: APIClient) -> None:
    answer = operator.post("/api/v1/messages", {"name": "OrderPaid", "correlation_key": "X"}, format="json")

    assert answer.status_code == 404
    assert answer.json()["type"] == "urn:bpmportal:problem:no-matching-subscription"
    assert "OrderPaid" in answer.json()["detail"]
    assert not Message.objects.exists()


def test_it_buffers_a_published_message_for_an_instance_that_comes_later(operator: APIClient) -> None:
    body = {"name": "OrderPaid", "correlation_key": "B-1", "ttl_seconds": 60, "message_id": "pay-B-1"}

    published = operator.post("/api/v1/messages", body, format="json")
    duplicate = operator.post("/api/v1/messages", body, format="json")
    later = start_instance(definition=deploy(PAYMENT), variables={"orderId": "B-1"})

    assert published.status_code == 202
    assert published.json() == {"outcome": "buffered", "instance_id": None}
    assert duplicate.json()["outcome"] == "duplicate"
    assert ProcessInstance.objects.get(pk=later.pk).status == "completed"


def test_it_refuses_a_message_without_a_name_or_with_a_bad_ttl(operator: APIClient) -> None:
    answer = operator.post("/api/v1/messages", {"ttl_seconds": 0}, format="json")

    assert answer.status_code == 400
    assert {e["field"] for e in answer.json()["errors"]} == {"name", "ttl_seconds"}


def test_it_broadcasts_a_signal_to_every_waiting_token(operator: APIClient) -> None:
    definition = deploy(WAITER)
    waiting = [start_instance(definition=definition) for _ in range(2)]

    answer = operator.post("/api/v1/signals", {"name": "Go", "variables": {"why": "test"}}, format="json")

    assert answer.json() == {"received_by": 2}
    assert {ProcessInstance.objects.get(pk=i.pk).status for i in waiting} == {"completed"}
