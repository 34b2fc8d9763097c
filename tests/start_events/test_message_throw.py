"""Message throw and end events and send tasks: sent through an outbox, to another process."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.runtime import PublishMessage
from engine.services import deploy, run_pending_jobs, start_instance
from engine.store import clock
from engine.store.models import Job, Message, OutboxMessage, ProcessInstance
from engine.store.outbox import record_message, send_pending_messages
from engine.store.verify import verify_instance
from tests.start_events.models import PAYMENT_WAITER, flows, message_started, model, payment_sender

SENDERS = ["intermediateThrowEvent", "endEvent", "sendTask"]


def refreshed(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("element", SENDERS)
def test_a_sent_message_reaches_the_instance_waiting_with_its_key(element: str) -> None:
    waiters = {
        order: start_instance(definition=deploy(PAYMENT_WAITER), variables={"orderId": order})
        for order in ("A-1", "A-2")
    }
    sender = start_instance(
        definition=deploy(payment_sender(element)), variables={"orderId": "A-2", "paid": 9}
    )
    assert sender.status == "completed"
    assert refreshed(waiters["A-2"]).status == "completed"
    assert waiters["A-2"].variables == {"orderId": "A-2", "paid": 9}
    assert refreshed(waiters["A-1"]).status == "running"
    message = OutboxMessage.objects.get()
    assert (message.sent_by, message.node_id, message.outcome) == (sender, "send", "delivered")
    assert verify_instance(sender) == [] and verify_instance(waiters["A-2"]) == []


@pytest.mark.django_db(transaction=True)
def test_a_sent_message_nobody_waits_for_is_buffered_for_the_next_waiter() -> None:
    start_instance(definition=deploy(payment_sender("sendTask")), variables={"orderId": "B-1"})
    buffered = Message.objects.get()
    assert (buffered.name, buffered.correlation_key, buffered.consumed_at) == ("Paid", "B-1", None)
    assert buffered.expires_at - buffered.created_at == timedelta(hours=1)
    waiter = start_instance(definition=deploy(PAYMENT_WAITER), variables={"orderId": "B-1"})
    assert waiter.status == "completed"
    assert OutboxMessage.objects.get().outcome == "buffered"


@pytest.mark.django_db(transaction=True)
def test_a_sent_message_starts_the_process_with_that_message_start_event() -> None:
    deploy(message_started("orders"))
    sender = model(
        "shop",
        '<startEvent id="s"/>\n<intermediateThrowEvent id="send" bpm:payload="orderId, total">'
        '<messageEventDefinition messageRef="order"/></intermediateThrowEvent>\n<endEvent id="e"/>\n'
        + flows("s", "send", "e"),
    )
    start_instance(definition=deploy(sender), variables={"orderId": "C-1", "total": 5, "secret": "x"})
    (order,) = ProcessInstance.objects.filter(definition__key="orders")
    assert order.variables == {"orderId": "C-1", "total": 5}  # only the declared payload
    assert OutboxMessage.objects.get().outcome == "started"


@pytest.mark.django_db
def test_a_message_left_in_the_outbox_by_a_crash_is_sent_once() -> None:
    waiter = start_instance(definition=deploy(PAYMENT_WAITER), variables={"orderId": "D-1"})
    # Recorded by a sender that died before its after-commit delivery ran:
    record_message(PublishMessage("send", "Paid", "D-1", {"paid": 1}), sender=waiter)
    assert refreshed(waiter).status == "running"
    assert send_pending_messages() == 1
    assert send_pending_messages() == 0
    assert refreshed(waiter).status == "completed"
    assert waiter.variables["paid"] == 1


@pytest.mark.django_db
def test_a_failing_correlation_key_is_an_incident_on_the_sender() -> None:
    sender = start_instance(definition=deploy(payment_sender("intermediateThrowEvent")))
    assert sender.status == "running"
    incident = sender.incidents.get()
    assert incident.node_id == "send" and "correlation key of 'send'" in incident.error
    assert not OutboxMessage.objects.exists()


SEND_BY_HANDLER = model(
    "notify",
    '<startEvent id="s"/>\n<sendTask id="send" bpm:type="cli"><extensionElements>'
    '<bpm:field name="argv"><bpm:item>echo</bpm:item><bpm:item>sent ${orderId}</bpm:item></bpm:field>'
    '<bpm:field name="stdoutVariable" value="output"/>'
    '</extensionElements></sendTask>\n<endEvent id="e"/>\n' + flows("s", "send", "e"),
)


@pytest.mark.django_db(transaction=True)
def test_a_send_task_with_a_handler_sends_through_its_job() -> None:
    instance = start_instance(definition=deploy(SEND_BY_HANDLER), variables={"orderId": "E-1"})
    job = Job.objects.get(instance=instance)
    assert (job.node_id, job.handler_type, instance.status) == ("send", "cli", "running")
    assert run_pending_jobs(instance_id=instance.pk) == 1
    assert refreshed(instance).status == "completed"
    assert instance.variables["output"].strip() == "sent E-1"
    assert not OutboxMessage.objects.exists()  # the handler sent it, not the engine


@pytest.mark.django_db
def test_a_message_end_event_with_a_handler_ends_once_its_job_is_done() -> None:
    xml = model(
        "notify_end",
        '<startEvent id="s"/>\n<endEvent id="send" bpm:type="noop"><messageEventDefinition/></endEvent>\n'
        + flows("s", "send"),
    )
    instance = start_instance(definition=deploy(xml))
    assert instance.status == "running"
    with clock.virtual_time(clock.now()):
        assert run_pending_jobs(instance_id=instance.pk) == 1
    assert refreshed(instance).status == "completed"
