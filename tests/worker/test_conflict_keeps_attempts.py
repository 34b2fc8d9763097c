"""A compare-and-set conflict while a job's result is applied never uses up one of its attempts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db.models import F

from engine.services import deploy, start_instance
from engine.store import execution
from engine.store.models import Event, Incident, Job, ProcessInstance, Token
from engine.store.verify import verify_instance
from tests.store.conflicts import recorded_conflicts
from tests.worker.clock import FakeClock
from tests.worker.models import one_cli_task_process
from tests.worker.running import run_next_job

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def another_writer_wins(monkeypatch: pytest.MonkeyPatch, *, times: int | None = None) -> Iterator[None]:
    """Change the instance between each command's read and its compare-and-set (`times` reads, or all).

    The change lands in the command's own transaction, like a commit by another writer that
    the command's snapshot missed, so the real `UPDATE ... WHERE version = v` matches no row
    and the attempt rolls back (the change with it) as a genuine conflict, on any database.
    """
    read = execution.snapshot_of
    left = [times]

    def read_then_lose_the_race(row: ProcessInstance) -> execution.LoadedInstance:
        loaded = read(row)
        if left[0] is None or left[0] > 0:
            ProcessInstance.objects.filter(pk=row.pk).update(version=F("version") + 1)
            left[0] = None if left[0] is None else left[0] - 1
        return loaded

    with monkeypatch.context() as patch:
        patch.setattr(execution, "snapshot_of", read_then_lose_the_race)
        patch.setattr(execution, "BACKOFF_CAP", 0)  # no need to wait between the doomed attempts
        yield


def start_single_attempt_task() -> ProcessInstance:
    """A task whose retry policy allows exactly one attempt: a used-up attempt would be an incident."""
    return start_instance(definition=deploy(one_cli_task_process("printf done", retry="R0/PT1S")))


def test_it_releases_a_job_whose_result_keeps_conflicting_with_its_attempt_refunded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    instance = start_single_attempt_task()
    events_before = Event.objects.filter(instance=instance).count()

    with recorded_conflicts() as conflicts, another_writer_wins(monkeypatch):
        assert run_next_job(clock) == "released"

    assert conflicts and all("changed after version" in record.getMessage() for record in conflicts)
    job = Job.objects.get(instance=instance)
    assert (job.status, job.attempts, job.lock_owner, job.lock_expires_at) == ("pending", 0, "", None)
    assert "conflicting changes" in job.last_error
    assert job.due_at <= clock.now
    assert not Incident.objects.exists()
    assert Event.objects.filter(instance=instance).count() == events_before, "no conflicting attempt wrote"
    assert Token.objects.get(instance=instance, node_id="work").status == "waiting"

    assert run_next_job(clock) == "completed"

    instance.refresh_from_db()
    job.refresh_from_db()
    assert (instance.status, instance.variables) == ("completed", {"work_out": "done"})
    assert (job.status, job.attempts) == ("completed", 1)
    assert not Incident.objects.exists()
    assert verify_instance(instance) == []


def test_it_completes_a_job_whose_result_conflicts_for_a_while_using_one_attempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance = start_single_attempt_task()

    # More conflicts than one services.complete_job call retries, fewer than the worker's rounds.
    with (
        recorded_conflicts() as conflicts,
        another_writer_wins(monkeypatch, times=execution.MAX_ATTEMPTS + 1),
    ):
        assert run_next_job(FakeClock()) == "completed"

    # Logged as retried: all but the last of the first call's attempts (it gave up on that one),
    # then the first attempt of the worker's second call.
    assert len(conflicts) == (execution.MAX_ATTEMPTS - 1) + 1
    instance.refresh_from_db()
    job = Job.objects.get(instance=instance)
    assert instance.status == "completed"
    assert (job.status, job.attempts, job.last_error) == ("completed", 1, "")
    assert Event.objects.filter(instance=instance, type="instance_completed").count() == 1
    assert not Incident.objects.exists()
    assert verify_instance(instance) == []
