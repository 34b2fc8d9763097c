"""Two schedulers racing on PostgreSQL: a signal starts each process once, a sent message arrives once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from engine.services import deploy
from engine.store.models import OutboxMessage, ProcessInstance
from engine.store.outbox import send_message
from engine.store.signals import deliver_signal, record_signal
from tests.start_events.models import message_started, signal_started

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(work: Callable[[], object]) -> list[object]:
    """Run `work` in two threads released at the same moment; their results."""
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_deliverers_of_one_signal_start_each_listening_process_once() -> None:
    deploy(signal_started("first"))
    deploy(signal_started("second"))
    for round_ in range(10):
        signal = record_signal("Go", {}, thrown_by=None)
        results = race(lambda signal_id=signal.pk: deliver_signal(signal_id))
        assert sum(results) == 2, results  # type: ignore[arg-type]
        for key in ("first", "second"):
            assert ProcessInstance.objects.filter(definition__key=key).count() == round_ + 1


def test_two_senders_of_one_outbox_message_deliver_it_once() -> None:
    deploy(message_started("orders"))
    for round_ in range(10):
        # As a sender leaves it when it dies right after committing, before sending:
        message = OutboxMessage.objects.create(name="Order", variables={"round": round_}, node_id="send")
        results = race(lambda message_id=message.pk: send_message(message_id))
        assert sorted(map(str, results)) == ["None", "started"]
        assert ProcessInstance.objects.filter(definition__key="orders").count() == round_ + 1
