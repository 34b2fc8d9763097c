"""A handler that runs longer than its lock keeps its job: the lock keeper extends the lock, so
crash recovery never hands a live job to another worker, and the job runs exactly once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engine.services import deploy, start_instance
from engine.store.models import Job, JobStatus, ProcessInstance
from engine.worker.claim import claim_next
from engine.worker.execute import execute_job
from engine.worker.scheduler import recover_expired_locks
from tests.worker.models import one_cli_task_process

pytestmark = pytest.mark.django_db(transaction=True)

#: Far shorter than the handlers below run, so an unextended lock would expire mid-run.
LOCK = timedelta(seconds=0.6)


def run_in_thread(job: Job, owner: str) -> tuple[threading.Thread, list[str]]:
    outcomes: list[str] = []

    def run() -> None:
        try:
            outcomes.append(execute_job(job, owner, lock_for=LOCK, clock=timezone.now))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcomes


def test_long_handlers_keep_their_locks_and_run_exactly_once() -> None:
    definition = deploy(one_cli_task_process("sleep 2; printf done"))
    instances = [start_instance(definition=definition) for _ in range(3)]
    running = []
    for n in range(3):
        job = claim_next(f"worker-{n}", now=timezone.now(), lock_for=LOCK)
        assert job is not None
        running.append((job, *run_in_thread(job, f"worker-{n}")))

    # Well past the first lock's expiry and while every handler still sleeps: crash recovery
    # runs (as every scheduler pass does) and finds nothing to take over.
    deadline = time.monotonic() + 1.5
    recovered = 0
    while time.monotonic() < deadline:
        recovered += recover_expired_locks(timezone.now())
        time.sleep(0.1)
    assert recovered == 0
    for job, _, _ in running:
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING
        assert job.lock_expires_at > timezone.now(), "the lock was extended beyond its first expiry"

    for job, thread, outcomes in running:
        thread.join(timeout=30)
        assert outcomes == ["completed"]
        job.refresh_from_db()
        assert (job.status, job.attempts, job.lock_owner, job.lock_expires_at) == ("completed", 1, "", None)
    for instance in instances:
        instance.refresh_from_db()
        assert (instance.status, instance.variables) == ("completed", {"work_out": "done"})


def test_a_released_job_is_no_longer_extended() -> None:
    """Once its handler returned, a job's lock is left alone: a job that went back to pending
    for a retry must not get a lock again, or it would look running to crash recovery."""
    definition = deploy(one_cli_task_process("sleep 1; exit 3", retry="R1/PT1H"))
    instance = start_instance(definition=definition)
    job = claim_next("worker-0", now=timezone.now(), lock_for=LOCK)
    assert job is not None

    assert execute_job(job, "worker-0", lock_for=LOCK, clock=timezone.now) == "retry"
    time.sleep(LOCK.total_seconds())  # a beat that was still scheduled would have come by now

    job.refresh_from_db()
    assert (job.status, job.lock_owner, job.lock_expires_at, job.attempts) == (JobStatus.PENDING, "", None, 1)
    assert ProcessInstance.objects.get(pk=instance.pk).status == "running"


@pytest.mark.postgres
def test_the_keeper_gives_its_connection_back_once_no_job_is_held() -> None:
    """A worker that ran a long job does not keep an extra database session open for ever."""
    definition = deploy(one_cli_task_process("sleep 1"))
    start_instance(definition=definition)
    job = claim_next("worker-0", now=timezone.now(), lock_for=LOCK)
    assert job is not None
    assert execute_job(job, "worker-0", lock_for=LOCK, clock=timezone.now) == "completed"

    deadline = time.monotonic() + 5
    while (others := other_sessions()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert others == 0


def other_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]
