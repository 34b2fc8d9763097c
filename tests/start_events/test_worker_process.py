"""End to end with a real `bpm worker` process: start timers armed before it ran, senders' jobs."""

from __future__ import annotations

import signal

import pytest

from engine.runtime import PublishMessage
from engine.services import deploy, start_instance
from engine.store.models import OutboxMessage, ProcessInstance, StartTimer, TimerStatus
from engine.store.outbox import record_message
from tests.start_events.models import PAYMENT_WAITER, timer_started
from tests.start_events.test_message_throw import SEND_BY_HANDLER
from tests.worker.test_worker_process import start_worker, status_of, wait_for

__all__ = ["start_worker"]  # the fixture, used by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_worker_started_later_fires_the_start_timers_armed_before_it(start_worker) -> None:
    # Deployed while no worker runs (or after every worker restarted): the timer is a row.
    definition = deploy(timer_started("ticking", "timeCycle", "R2/PT1S"))
    worker = start_worker(queue="threads")
    wait_for(
        lambda: StartTimer.objects.filter(definition=definition, status=TimerStatus.FIRED).exists(),
        15,
        "the start timer to fire twice",
    )
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    assert ProcessInstance.objects.filter(definition=definition).count() == 2


def test_a_worker_runs_the_send_task_job_and_sends_what_the_outbox_holds(start_worker) -> None:
    sender = start_instance(definition=deploy(SEND_BY_HANDLER), variables={"orderId": "W-1"})
    waiter = start_instance(definition=deploy(PAYMENT_WAITER), variables={"orderId": "W-2"})
    # A message recorded by a process that crashed before its after-commit delivery ran:
    record_message(PublishMessage("send", "Paid", "W-2", {}), sender=sender)
    start_worker(queue="threads")
    wait_for(lambda: status_of(sender) == "completed", 15, "the send task's job to run")
    wait_for(lambda: status_of(waiter) == "completed", 15, "the pending message to be sent")
    assert OutboxMessage.objects.get().outcome == "delivered"
