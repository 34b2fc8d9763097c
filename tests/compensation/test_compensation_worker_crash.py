"""Exactly once across crashes: a worker dies while a handler runs; another finishes the Saga."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import pytest

from engine.services import deploy, start_instance
from engine.store.models import Job
from engine.store.verify import verify_instance
from tests.compensation.models import chain
from tests.compensation.test_compensation_store import compensation_log
from tests.services.models import document
from tests.worker.models import cli_task
from tests.worker.test_worker_process import start_worker, status_of, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

__all__ = ["start_worker"]  # the fixture, used by name below


def saga(cancel_hotel: str) -> str:
    """flight, hotel (cli tasks) with cli handlers; then compensate everything."""
    body = '<startEvent id="s"/>\n'
    for booking, undo in (("flight", "echo flight cancelled"), ("hotel", cancel_hotel)):
        handler = cli_task(f"cancel_{booking}", undo).replace(
            "<serviceTask ", '<serviceTask isForCompensation="true" '
        )
        body += (
            cli_task(booking, f"echo {booking} booked")
            + handler
            + f'<boundaryEvent id="{booking}_compensation" attachedToRef="{booking}">'
            "<compensateEventDefinition/></boundaryEvent>\n"
            f'<association id="{booking}_undo" sourceRef="{booking}_compensation" '
            f'targetRef="cancel_{booking}"/>\n'
        )
    body += (
        '<intermediateThrowEvent id="undo"><compensateEventDefinition/></intermediateThrowEvent>'
        '<endEvent id="e"/>\n' + chain("s", "flight", "hotel", "undo", "e")
    )
    return document("crash_saga", body)


def test_a_handler_whose_worker_was_killed_runs_again_and_is_compensated_once(
    start_worker, tmp_path: Path
) -> None:
    marker = tmp_path / "first-cancellation-started"
    # The first attempt writes its pid and hangs (until the test ends it); the second finishes.
    command = (
        f"if [ -s {marker} ]; then echo hotel cancelled; "
        f"else echo $$ > {marker}.tmp; mv {marker}.tmp {marker}; exec sleep 20; fi"
    )
    doomed = start_worker(queue="threads", lock_seconds=3)
    instance = start_instance(definition=deploy(saga(command)))
    wait_for(marker.exists, 15, "the hotel's cancellation to start")

    os.killpg(doomed.pid, signal.SIGKILL)
    doomed.communicate(timeout=10)
    survivor = start_worker(queue="threads", lock_seconds=3)
    wait_for(lambda: status_of(instance) == "completed", 20, "the instance to complete")
    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=10) == 0
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(marker.read_text()), signal.SIGKILL)

    instance.refresh_from_db()
    assert instance.variables["cancel_hotel_out"] == "hotel cancelled"
    assert compensation_log(instance.pk) == [
        ("started", "cancel_hotel"),
        ("completed", "cancel_hotel"),
        ("started", "cancel_flight"),
        ("completed", "cancel_flight"),
    ]
    hotel = Job.objects.get(instance=instance, node_id="cancel_hotel")
    assert hotel.attempts == 2  # the program ran twice (at least once), the compensation once
    assert Job.objects.filter(instance=instance, node_id="cancel_flight").count() == 1
    assert verify_instance(instance) == []
