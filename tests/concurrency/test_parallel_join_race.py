"""Every branch of a parallel split completes at the same moment, from its own thread and connection.

Whatever order the database lets the racing transactions commit in, the join must fire
exactly once, exactly one token must leave it, every branch completion must be recorded, and
the event log must stay gap-free and verifiable.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from engine.runtime import EventType
from engine.services import complete_job, complete_user_task, deploy, start_instance
from engine.store.models import Event, Job, JoinFiring, ProcessDefinition, ProcessInstance, Token, UserTask
from engine.store.verify import verify_instance
from tests.services.models import parallel_process
from tests.store.conflicts import recorded_conflicts

MAX_BRANCHES = 4
#: Seconds a racer waits for the others at the barrier before the test fails instead of hanging.
BARRIER_TIMEOUT = 30


@pytest.fixture
def racers() -> Iterator[ThreadPoolExecutor]:
    """One long-lived thread (and database connection) per branch, closed at the end."""
    pool = ThreadPoolExecutor(max_workers=MAX_BRANCHES, thread_name_prefix="racer")
    yield pool
    # One close per thread: the barrier keeps each close on a different thread.
    barrier = threading.Barrier(MAX_BRANCHES)

    def close() -> None:
        barrier.wait(BARRIER_TIMEOUT)
        connection.close()

    for future in [pool.submit(close) for _ in range(MAX_BRANCHES)]:
        future.result()
    pool.shutdown()


def race(pool: ThreadPoolExecutor, completions: list[Callable[[], object]]) -> None:
    """Run the completions in separate threads, all released at the same moment."""
    barrier = threading.Barrier(len(completions))

    def racer(complete: Callable[[], object]) -> None:
        barrier.wait(BARRIER_TIMEOUT)
        complete()

    for future in [pool.submit(racer, complete) for complete in completions]:
        future.result()


def branch_completions(instance: ProcessInstance, service: bool) -> list[Callable[[], object]]:
    """One call per branch, each recording that its branch ran in its own variable."""
    if service:
        jobs = Job.objects.filter(instance=instance, status="pending").order_by("node_id")
        return [
            lambda job=job: complete_job(job_id=job.pk, variables={f"done_{job.node_id}": True})
            for job in jobs
        ]
    tasks = UserTask.objects.filter(instance=instance, status="open").order_by("node_id")
    return [
        lambda task=task: complete_user_task(task_id=task.pk, variables={f"done_{task.node_id}": True})
        for task in tasks
    ]


def assert_joined_exactly_once(instance: ProcessInstance, branches: int) -> None:
    instance.refresh_from_db()
    branch_ids = [f"branch{i}" for i in range(1, branches + 1)]
    events = list(Event.objects.filter(instance=instance).order_by("seq"))

    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    fired = [e for e in events if e.type == EventType.JOIN_FIRED.value]
    assert len(fired) == 1, f"instance {instance.pk}: the join fired {len(fired)} times"
    assert len(fired[0].payload["consumed"]) == branches
    assert JoinFiring.objects.filter(instance=instance).count() == 1
    # Every branch completion is recorded, once.
    completed = [e.node_id for e in events if e.type == EventType.NODE_COMPLETED.value]
    assert sorted(n for n in completed if n in branch_ids) == branch_ids
    assert all(instance.variables.get(f"done_{b}") is True for b in branch_ids), instance.variables
    # Exactly one token left the join, and it waits at the task after it.
    assert list(
        Token.objects.filter(instance=instance, node_id="after").values_list("status", flat=True)
    ) == ["waiting"]
    assert UserTask.objects.filter(instance=instance, node_id="after", status="open").count() == 1
    assert not Token.objects.filter(instance=instance, node_id="join", status="joined").exists()
    assert verify_instance(instance) == []


def run_races(pool: ThreadPoolExecutor, repetitions: int) -> int:
    """Race `repetitions` instances (2-4 branches, user or service tasks); return the conflicts seen."""
    definitions: dict[tuple[int, bool], ProcessDefinition] = {
        (branches, service): deploy(
            parallel_process(branches, service=service, process_id=f"race_{branches}_{int(service)}")
        )
        for branches in range(2, MAX_BRANCHES + 1)
        for service in (False, True)
    }
    with recorded_conflicts() as conflicts:
        for repetition in range(repetitions):
            branches, service = 2 + repetition % 3, bool(repetition // 3 % 2)
            instance = start_instance(definition=definitions[branches, service])
            race(pool, branch_completions(instance, service))
            assert_joined_exactly_once(instance, branches)
            after = UserTask.objects.get(instance=instance, node_id="after")
            assert complete_user_task(task_id=after.pk).status == "completed"
    return len(conflicts)


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_fires_a_join_exactly_once_when_every_branch_completes_at_the_same_moment(
    racers: ThreadPoolExecutor,
) -> None:
    conflicts = run_races(racers, repetitions=200)

    # The race is real: transactions did collide, and were retried.
    assert conflicts > 0


@pytest.mark.slow
@pytest.mark.sqlite
@pytest.mark.django_db(transaction=True)
def test_it_serialises_racing_branch_completions_on_sqlite(racers: ThreadPoolExecutor) -> None:
    # SQLite takes the write lock at BEGIN (IMMEDIATE): racers queue instead of conflicting.
    run_races(racers, repetitions=50)
