"""Message start events: a message nobody waits for starts the latest version of its process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import NoSubscription, correlate_message, deploy, start_instance
from engine.store.models import Message, ProcessInstance, StartSubscription, UserTask
from engine.store.verify import verify_instance
from tests.start_events.models import flows, message_started, model

pytestmark = pytest.mark.django_db


def test_a_message_starts_an_instance_with_its_variables() -> None:
    definition = deploy(message_started("orders"))
    correlation = correlate_message(name="Order", variables={"orderId": "A-1", "total": 12.5})
    assert correlation.outcome == "started"
    instance = ProcessInstance.objects.get(pk=correlation.instance_id)
    assert instance.definition == definition
    assert instance.variables == {"orderId": "A-1", "total": 12.5}
    assert UserTask.objects.get(instance=instance).node_id == "work"
    assert verify_instance(instance) == []


def test_a_message_id_seen_before_starts_nothing() -> None:
    deploy(message_started("orders"))
    first = correlate_message(name="Order", variables={"orderId": "A-1"}, message_id="m-1")
    again = correlate_message(name="Order", variables={"orderId": "A-1"}, message_id="m-1")
    assert (first.outcome, again.outcome) == ("started", "duplicate")
    assert ProcessInstance.objects.count() == 1
    assert Message.objects.get(message_id="m-1").consumed_by_id == first.instance_id


def test_a_waiting_instance_takes_the_message_before_a_start_event() -> None:
    waiter_xml = model(
        "waiter",
        '<startEvent id="s"/>\n<receiveTask id="wait" messageRef="order"/>\n<endEvent id="e"/>\n'
        + flows("s", "wait", "e"),
    )
    waiter = start_instance(definition=deploy(waiter_xml))
    deploy(message_started("orders"))
    first = correlate_message(name="Order")
    second = correlate_message(name="Order")
    assert (first.outcome, first.instance_id) == ("delivered", waiter.pk)
    assert second.outcome == "started"
    assert ProcessInstance.objects.filter(definition__key="orders").count() == 1


def test_only_the_latest_version_is_started_by_the_message() -> None:
    deploy(message_started("orders"))
    latest = deploy(
        message_started("orders").replace('<userTask id="work"/>', '<userTask id="work" name="v2"/>')
    )
    assert StartSubscription.objects.get().definition == latest
    correlation = correlate_message(name="Order")
    assert ProcessInstance.objects.get(pk=correlation.instance_id).definition == latest


def test_a_version_without_the_message_start_stops_the_message_from_starting_it() -> None:
    deploy(message_started("orders"))
    deploy(model("orders", '<startEvent id="s"/>\n<endEvent id="e"/>\n' + flows("s", "e")))
    with pytest.raises(
        NoSubscription, match="no instance is waiting for message 'Order', and no process starts"
    ):
        correlate_message(name="Order")
    assert not ProcessInstance.objects.exists()


def test_nothing_matched_is_still_reported_and_a_ttl_still_buffers() -> None:
    with pytest.raises(NoSubscription):
        correlate_message(name="Order", message_id="m-1")
    assert not Message.objects.exists()  # an unmatched id is not used up
    assert correlate_message(name="Order", message_id="m-1", ttl=timedelta(minutes=5)).outcome == "buffered"
    assert Message.objects.get().consumed_at is None


def test_a_process_with_a_none_and_a_message_start_starts_both_ways() -> None:
    definition = deploy(message_started("orders", none_start=True))
    plain = start_instance(definition=definition, variables={"how": "plain"})
    by_message = ProcessInstance.objects.get(
        pk=correlate_message(name="Order", variables={"how": "message"}).instance_id
    )
    first_tokens = [
        list(instance.tokens.order_by("token_id").values_list("node_id", flat=True))[:1]
        for instance in (plain, by_message)
    ]
    assert first_tokens == [["plain"], ["ordered"]]
    assert UserTask.objects.filter(node_id="work").count() == 2


def test_a_suspended_process_is_not_started_by_its_message() -> None:
    definition = deploy(message_started("orders"))
    type(definition).objects.filter(pk=definition.pk).update(suspended=True)
    with pytest.raises(NoSubscription):
        correlate_message(name="Order")
