"""Signals: broadcast to every waiting token, thrown by processes through an outbox, never twice."""

from __future__ import annotations

import pytest

from engine.services import InvalidInput, broadcast_signal, deploy, start_instance
from engine.store.models import ProcessInstance, Signal, SignalDelivery, SignalSubscription
from engine.store.signals import deliver_pending_signals, record_signal
from engine.store.verify import verify_instance

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <signal id="go" name="Go"/>
"""

WAITER = (
    HEADER
    + """
  <process id="waiter" isExecutable="true">
    <startEvent id="s"/>
    <intermediateCatchEvent id="wait"><signalEventDefinition signalRef="go"/></intermediateCatchEvent>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
  </process>
</definitions>
"""
)

THROWER = (
    HEADER
    + """
  <process id="thrower" isExecutable="true">
    <startEvent id="s"/>
    <intermediateThrowEvent id="announce"><signalEventDefinition signalRef="go"/></intermediateThrowEvent>
    <endEvent id="e"><signalEventDefinition signalRef="go"/></endEvent>
    <sequenceFlow id="f1" sourceRef="s" targetRef="announce"/>
    <sequenceFlow id="f2" sourceRef="announce" targetRef="e"/>
  </process>
</definitions>
"""
)


def refreshed(instance: ProcessInstance) -> ProcessInstance:
    instance.refresh_from_db()
    return instance


@pytest.mark.django_db
def test_a_broadcast_reaches_every_waiting_token_once() -> None:
    waiters = [start_instance(definition=deploy(WAITER)) for _ in range(3)]
    assert broadcast_signal(name="Go", variables={"go": True}) == 3
    assert all(refreshed(w).status == "completed" and w.variables["go"] for w in waiters)
    assert broadcast_signal(name="Go") == 0
    assert not SignalSubscription.objects.exists()
    assert all(verify_instance(w) == [] for w in waiters)


@pytest.mark.django_db
def test_a_signal_of_another_name_reaches_nobody() -> None:
    waiter = start_instance(definition=deploy(WAITER))
    assert broadcast_signal(name="Stop") == 0
    assert refreshed(waiter).status == "running"


@pytest.mark.django_db
def test_it_refuses_a_signal_without_a_name() -> None:
    with pytest.raises(InvalidInput):
        broadcast_signal(name=" ")
    assert not Signal.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_process_throwing_the_signal_wakes_the_waiters_after_it_commits() -> None:
    waiter = start_instance(definition=deploy(WAITER))
    thrower = start_instance(definition=deploy(THROWER))
    assert thrower.status == "completed"
    assert refreshed(waiter).status == "completed"
    # The throw event and the end event each threw once; the waiter took the first only.
    assert Signal.objects.filter(thrown_by=thrower, delivered_at__isnull=False).count() == 2
    assert SignalDelivery.objects.filter(instance=waiter).count() == 1


@pytest.mark.django_db
def test_a_signal_left_in_the_outbox_by_a_crash_is_delivered_once() -> None:
    waiter = start_instance(definition=deploy(WAITER))
    record_signal("Go", {}, thrown_by=None)  # recorded, then the process died before delivery
    assert deliver_pending_signals() == 1
    assert deliver_pending_signals() == 0
    assert refreshed(waiter).status == "completed"
    assert SignalDelivery.objects.count() == 1
