"""Claiming: one job, one worker, even racing; one running job per instance by default."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection
from django.test import override_settings

from engine.services import deploy, start_instance
from engine.store.models import Job, ProcessInstance
from engine.worker.claim import claim, claim_next, new_owner
from engine.worker.scheduler import recover_expired_locks
from tests.worker.clock import FakeClock
from tests.worker.models import one_cli_task_process, parallel_cli_process

pytestmark = pytest.mark.django_db(transaction=True)

LOCK = timedelta(seconds=30)


def test_it_claims_a_due_job_with_an_owner_a_lock_and_an_attempt() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    clock = FakeClock()

    job = claim_next("host:1:abc", now=clock(), lock_for=LOCK)

    assert job is not None and job.instance_id == instance.pk
    assert (job.status, job.lock_owner, job.lock_expires_at, job.attempts) == (
        "running",
        "host:1:abc",
        clock.now + LOCK,
        1,
    )
    assert claim_next("host:2:def", now=clock(), lock_for=LOCK) is None


def test_it_does_not_claim_a_job_before_it_is_due() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    job = Job.objects.get(instance=instance)

    assert claim_next("w", now=job.due_at - timedelta(seconds=1), lock_for=LOCK) is None
    assert claim_next("w", now=job.due_at, lock_for=LOCK) is not None


def test_it_runs_the_jobs_of_one_instance_one_at_a_time_and_instances_in_parallel() -> None:
    definition = deploy(parallel_cli_process(2, "true"))
    first, second = start_instance(definition=definition), start_instance(definition=definition)
    clock = FakeClock()

    claimed = [claim_next(f"w{n}", now=clock(), lock_for=LOCK) for n in range(3)]

    assert claimed[2] is None, "the second branch waits while the first runs"
    assert sorted(job.instance_id for job in claimed[:2] if job) == [first.pk, second.pk]
    # A job whose lock expired blocks its instance until crash recovery hands it back.
    clock.advance(seconds=LOCK.total_seconds() + 1)
    assert claim_next("w3", now=clock(), lock_for=LOCK) is None
    assert recover_expired_locks(clock()) == 2
    assert claim_next("w3", now=clock(), lock_for=LOCK) is not None


def test_the_database_refuses_a_second_running_exclusive_job_of_an_instance() -> None:
    instance = start_instance(definition=deploy(parallel_cli_process(2, "true")))
    first, second = Job.objects.filter(instance=instance).order_by("pk")
    Job.objects.filter(pk=first.pk).update(status="running")

    with pytest.raises(IntegrityError):
        Job.objects.filter(pk=second.pk).update(status="running")

    assert claim(second.pk, "w", now=FakeClock()(), lock_for=LOCK) is None
    assert Job.objects.get(pk=second.pk).status == "pending"


@override_settings(BPM_JOBS_EXCLUSIVE=False)
def test_it_can_run_the_jobs_of_one_instance_in_parallel_when_asked() -> None:
    start_instance(definition=deploy(parallel_cli_process(2, "true")))
    clock = FakeClock()

    claimed = [claim_next(f"w{n}", now=clock(), lock_for=LOCK) for n in range(2)]

    assert all(claimed)
    assert [job.exclusive for job in claimed if job] == [False, False]


def test_it_refuses_to_claim_inside_a_transaction() -> None:
    from django.db import transaction

    with transaction.atomic(), pytest.raises(RuntimeError, match=r"outside transaction\.atomic"):
        claim(1, "w", now=FakeClock()(), lock_for=LOCK)


def test_owners_are_unique_per_worker() -> None:
    assert new_owner() != new_owner()
    assert new_owner().count(":") == 2


@pytest.mark.parametrize("exclusive", [True, False])
def test_two_racing_workers_never_both_claim_a_job(exclusive: bool) -> None:
    """Eight threads, each with its own connection, claim at the same moment, over and over."""
    definition = deploy(parallel_cli_process(3, "true"))
    with override_settings(BPM_JOBS_EXCLUSIVE=exclusive):
        instances = [start_instance(definition=definition) for _ in range(4)]
    clock = FakeClock()
    racers = 8
    barrier = threading.Barrier(racers)

    def racer(n: int) -> list[int]:
        try:
            barrier.wait(30)
            won = []
            while (job := claim_next(f"racer{n}", now=clock(), lock_for=LOCK)) is not None:
                won.append(job.pk)
            return won
        finally:
            connection.close()

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(racer, range(racers)))

    claimed = [job_id for won in results for job_id in won]
    assert len(claimed) == len(set(claimed)), "a job was claimed twice"
    assert Job.objects.filter(status="running", attempts=1).count() == len(claimed)
    assert Job.objects.filter(attempts__gt=1).count() == 0
    if exclusive:
        assert len(claimed) == len(instances)
        assert sorted(Job.objects.filter(pk__in=claimed).values_list("instance_id", flat=True)) == sorted(
            i.pk for i in instances
        )
    else:
        assert len(claimed) == 3 * len(instances)
    assert ProcessInstance.objects.count() == len(instances)


def test_racing_claims_of_different_jobs_of_one_instance_let_only_one_run() -> None:
    """Each thread goes for a different branch of the same instance at the same moment; one wins."""
    branches = 6
    definition = deploy(parallel_cli_process(branches, "true"))
    clock = FakeClock()
    barrier = threading.Barrier(branches)

    def racer(job: Job) -> bool:
        try:
            barrier.wait(30)
            return claim(job.pk, f"racer{job.pk}", now=clock(), lock_for=LOCK) is not None
        finally:
            connection.close()

    with ThreadPoolExecutor(branches) as pool:
        for _ in range(5):
            instance = start_instance(definition=definition)
            jobs = list(Job.objects.filter(instance=instance))
            assert len(jobs) == branches
            assert sum(pool.map(racer, jobs)) == 1
            assert Job.objects.filter(instance=instance, status="running").count() == 1
