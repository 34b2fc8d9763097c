"""Signal start events: a broadcast starts one instance of every process listening, exactly once."""

from __future__ import annotations

import pytest

from engine.services import broadcast_signal, deploy, start_instance
from engine.store.models import ProcessInstance, Signal, SignalStart
from engine.store.signals import deliver_pending_signals, deliver_signal, record_signal
from tests.start_events.models import flows, model, signal_started


def started(key: str) -> list[ProcessInstance]:
    return list(ProcessInstance.objects.filter(definition__key=key).order_by("pk"))


@pytest.mark.django_db
def test_a_broadcast_starts_one_instance_of_each_listening_process() -> None:
    deploy(signal_started("first"))
    deploy(signal_started("second"))
    deploy(signal_started("second").replace('<endEvent id="e"/>', '<endEvent id="e" name="v2"/>'))
    deploy(model("deaf", '<startEvent id="s"/>\n<endEvent id="e"/>\n' + flows("s", "e")))
    assert broadcast_signal(name="Go", variables={"reason": "test"}) == 2
    (first,) = started("first")
    (second,) = started("second")
    assert second.definition.version == 2  # the latest version only
    assert first.status == second.status == "completed"
    assert first.variables == {"reason": "test"}
    assert started("deaf") == []
    assert broadcast_signal(name="Stop") == 0


@pytest.mark.django_db
def test_delivering_the_signal_again_after_a_crash_starts_nothing_twice() -> None:
    deploy(signal_started("first"))
    signal = record_signal("Go", {}, thrown_by=None)  # recorded, then the process died
    assert deliver_pending_signals() == 1
    # A second scheduler that read the signal as pending before the first one finished:
    Signal.objects.filter(pk=signal.pk).update(delivered_at=None)
    assert deliver_signal(signal.pk) == 0
    assert len(started("first")) == 1
    assert SignalStart.objects.get().instance == started("first")[0]


@pytest.mark.django_db
def test_a_process_deployed_after_the_signal_was_thrown_is_not_started_by_it() -> None:
    signal = record_signal("Go", {}, thrown_by=None)
    deploy(signal_started("late"))
    assert deliver_signal(signal.pk) == 0
    assert started("late") == []


@pytest.mark.django_db(transaction=True)
def test_a_signal_end_event_in_one_process_starts_the_listening_processes() -> None:
    deploy(signal_started("listener"))
    thrower = deploy(
        model(
            "thrower",
            '<startEvent id="s"/>\n<endEvent id="e"><signalEventDefinition signalRef="go"/></endEvent>\n'
            + flows("s", "e"),
        )
    )
    instance = start_instance(definition=thrower)
    assert instance.status == "completed"
    (listener,) = started("listener")
    assert listener.status == "completed"
    assert SignalStart.objects.get().signal.thrown_by == instance
