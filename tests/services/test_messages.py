"""correlate_message: delivery by name and key, buffering with a time to live, deduplication."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from engine.services import (
    InvalidInput,
    InvalidVariables,
    NoSubscription,
    correlate_message,
    deploy,
    start_instance,
)
from engine.store import clock
from engine.store.models import Message, MessageSubscription, ProcessInstance
from engine.store.verify import verify_instance

pytestmark = pytest.mark.django_db

PAYMENT = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpm="urn:bpmportal:bpm:1.0"
             id="d" targetNamespace="urn:test">
  <message id="paid" name="OrderPaid"/>
  <process id="order" isExecutable="true">
    <startEvent id="s"/>
    <intermediateCatchEvent id="payment" bpm:correlationKey="${orderId}">
      <messageEventDefinition messageRef="paid"/>
    </intermediateCatchEvent>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="payment"/>
    <sequenceFlow id="f2" sourceRef="payment" targetRef="e"/>
  </process>
</definitions>
"""


def order(order_id: str) -> ProcessInstance:
    return start_instance(definition=deploy(PAYMENT), variables={"orderId": order_id})


def status(instance: ProcessInstance) -> str:
    instance.refresh_from_db()
    return instance.status


def test_it_delivers_a_message_to_the_instance_with_the_matching_key_only() -> None:
    first, second = order("A-1"), order("A-2")
    result = correlate_message(name="OrderPaid", correlation_key="A-2", variables={"amount": 20})
    assert (result.outcome, result.instance_id) == ("delivered", second.pk)
    assert status(second) == "completed" and second.variables["amount"] == 20
    assert status(first) == "running"
    assert not MessageSubscription.objects.filter(instance=second).exists()
    assert verify_instance(second) == []


def test_it_reports_when_nothing_waits_and_stores_nothing() -> None:
    order("A-1")
    with pytest.raises(
        NoSubscription, match="no instance is waiting for message 'OrderPaid' with correlation key 'B-9'"
    ):
        correlate_message(name="OrderPaid", correlation_key="B-9")
    assert not Message.objects.exists()


def test_a_buffered_message_reaches_an_instance_that_subscribes_before_it_expires() -> None:
    result = correlate_message(
        name="OrderPaid", correlation_key="A-1", variables={"early": True}, ttl=timedelta(hours=1)
    )
    assert result.outcome == "buffered"
    instance = order("A-1")
    assert instance.status == "completed"  # it found the message as soon as it started waiting
    assert instance.variables == {"orderId": "A-1", "early": True}
    assert Message.objects.get().consumed_by_id == instance.pk
    assert verify_instance(instance) == []


def test_an_expired_buffered_message_is_not_delivered() -> None:
    correlate_message(name="OrderPaid", correlation_key="A-1", ttl=timedelta(minutes=5))
    with clock.virtual_time(clock.now() + timedelta(minutes=6)):
        instance = order("A-1")
    assert instance.status == "running"
    assert Message.objects.get().consumed_at is None


def test_a_message_id_makes_delivery_idempotent() -> None:
    instance = order("A-1")
    first = correlate_message(name="OrderPaid", correlation_key="A-1", variables={"n": 1}, message_id="pay-1")
    again = correlate_message(name="OrderPaid", correlation_key="A-1", variables={"n": 2}, message_id="pay-1")
    assert (first.outcome, again.outcome) == ("delivered", "duplicate")
    instance.refresh_from_db()
    assert instance.variables["n"] == 1
    assert Message.objects.get().message_id == "pay-1"


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"name": ""}, InvalidInput),
        ({"name": "OrderPaid", "correlation_key": 5}, InvalidInput),
        ({"name": "OrderPaid", "ttl": timedelta(0)}, InvalidInput),
        ({"name": "OrderPaid", "variables": ["not", "an", "object"]}, InvalidVariables),
    ],
)
def test_it_refuses_a_malformed_message_and_changes_nothing(arguments: dict, error: type[Exception]) -> None:
    instance = order("A-1")
    with pytest.raises(error):
        correlate_message(**arguments)
    assert status(instance) == "running"
    assert not Message.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_sent_while_its_subscriber_commits_is_never_stranded_in_the_buffer() -> None:
    # The subscriber's transaction has opened its subscription but not committed when the
    # message arrives: the message must wait for that commit and be delivered, not be
    # buffered unseen while the subscriber (which found no buffered message) waits forever.
    definition = deploy(PAYMENT)
    subscribed, sent = threading.Event(), threading.Event()
    outcomes: list[str] = []

    def subscriber() -> None:
        try:
            with transaction.atomic():
                start_instance(definition=definition, variables={"orderId": "A-1"})
                subscribed.set()
                sent.wait(5)
                time.sleep(0.5)  # the message is on its way now; commit only afterwards
        finally:
            connection.close()

    def sender() -> None:
        try:
            subscribed.wait(5)
            sent.set()
            outcomes.append(
                correlate_message(name="OrderPaid", correlation_key="A-1", ttl=timedelta(hours=1)).outcome
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=subscriber), threading.Thread(target=sender)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["delivered"]
    assert ProcessInstance.objects.get().status == "completed"
