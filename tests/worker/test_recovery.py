"""Crash recovery: a job whose worker died (its lock expired) runs again, or fails when out of attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.services import deploy, start_instance
from engine.store.models import Incident, Job, ProcessInstance
from engine.store.verify import verify_instance
from engine.worker.claim import claim_next
from engine.worker.scheduler import recover_expired_locks
from tests.worker.clock import FakeClock
from tests.worker.models import one_cli_task_process
from tests.worker.running import run_next_job

pytestmark = pytest.mark.django_db(transaction=True)

LOCK = timedelta(seconds=30)


def claim_and_die(clock: FakeClock, instance: ProcessInstance) -> Job:
    """A worker claims the job and is killed before it reports anything."""
    job = claim_next("dead-host:42:0", now=clock(), lock_for=LOCK, instance_id=instance.pk)
    assert job is not None
    return job


def test_it_leaves_a_job_alone_while_its_lock_holds() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    clock = FakeClock()
    claim_and_die(clock, instance)

    clock.advance(seconds=29)
    assert recover_expired_locks(clock()) == 0
    assert run_next_job(clock) is None


def test_it_runs_the_job_of_a_dead_worker_again_and_completes_the_instance() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("echo done")))
    clock = FakeClock()
    claim_and_die(clock, instance)

    clock.advance(seconds=31)
    assert recover_expired_locks(clock()) == 1

    job = Job.objects.get(instance=instance)
    assert (job.status, job.attempts, job.lock_owner) == ("pending", 1, "")
    assert "attempt 1 was lost: its worker (dead-host:42:0) stopped" in job.last_error
    assert run_next_job(clock) == "completed"
    instance.refresh_from_db()
    job.refresh_from_db()
    assert (instance.status, instance.variables, job.attempts) == ("completed", {"work_out": "done"}, 2)
    assert verify_instance(instance) == []


def test_it_raises_an_incident_when_the_lost_attempt_was_the_last() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true", retry="R0/PT5S")))
    clock = FakeClock()
    job = claim_and_die(clock, instance)

    clock.advance(seconds=31)
    assert recover_expired_locks(clock()) == 1

    incident = Incident.objects.get(instance=instance)
    job.refresh_from_db()
    assert job.status == "failed"
    assert (incident.job_id, incident.node_id) == (job.pk, "work")
    assert "attempt 1 was lost" in incident.error
    assert run_next_job(clock) is None


def test_a_late_report_from_a_presumed_dead_worker_is_not_applied_twice() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("echo again")))
    clock = FakeClock()
    slow = claim_and_die(clock, instance)
    clock.advance(seconds=31)
    recover_expired_locks(clock())
    assert run_next_job(clock) == "completed"

    # The first worker was only slow: it now finishes and reports too.
    from engine.worker.execute import execute_job

    assert execute_job(slow, slow.lock_owner, lock_for=LOCK, clock=clock) == "completed"

    instance.refresh_from_db()
    assert instance.variables == {"work_out": "again"}
    assert verify_instance(instance) == []
