"""Running a service task job again, and setting how many more attempts it gets.

Camunda's "set job retries" and "execute job" for operators:

- `set_job_retries`: a job that is still open (pending, or running now) gets `retries` more
  attempts after the ones it has made. A job that failed for good has raised an incident:
  setting retries there retries the incident, and the new job it creates gets `retries`
  attempts in all.
- `retry_job`: a job waiting for its next attempt (backoff) becomes due now; a job that failed
  for good runs again with its model's retry policy (its incident is retried).
"""

from __future__ import annotations

from typing import Any

from engine.runtime import CommandRejected, RetryIncident
from engine.services.errors import InvalidInput, InvalidState, NotFound
from engine.store import clock
from engine.store.execution import apply_command, run_atomically
from engine.store.models import OPEN_JOB_STATUSES, Incident, Job, JobStatus

#: More is surely a mistake (and a job would run for days with backoff).
MAX_RETRIES = 100


def set_job_retries(*, job_id: int, retries: int, user: Any = None) -> Job:
    """Give job `job_id` `retries` more attempts; see the module docstring. Returns the job that will run."""
    if isinstance(retries, bool) or not isinstance(retries, int) or not 0 <= retries <= MAX_RETRIES:
        raise InvalidInput(f"retries must be a whole number from 0 to {MAX_RETRIES}, not {retries!r}")

    def update() -> Job:
        job = _job(job_id)
        if job.status in OPEN_JOB_STATUSES:
            Job.objects.filter(pk=job.pk, status__in=OPEN_JOB_STATUSES).update(
                max_attempts=job.attempts + retries
            )
            job.refresh_from_db()
            return job
        if retries < 1 and job.status == JobStatus.FAILED:
            raise InvalidInput("a failed job needs at least 1 retry to run again")
        new_job = _run_failed_job_again(job)
        Job.objects.filter(pk=new_job.pk).update(max_attempts=retries)
        new_job.refresh_from_db()
        return new_job

    return run_atomically(update)


def retry_job(*, job_id: int, user: Any = None) -> Job:
    """Run job `job_id` now (see the module docstring); returns the job that will run."""

    def retry() -> Job:
        job = _job(job_id)
        if job.status == JobStatus.RUNNING:
            raise InvalidState(f"job {job_id} at '{job.node_id}' is running now")
        if job.status == JobStatus.PENDING:
            # dispatched_at cleared: the worker's next scheduler pass sends it to the queue.
            Job.objects.filter(pk=job.pk, status=JobStatus.PENDING).update(
                due_at=clock.now(), dispatched_at=None
            )
            job.refresh_from_db()
            return job
        return _run_failed_job_again(job)

    return run_atomically(retry)


def _job(job_id: int) -> Job:
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"job {job_id} does not exist")
    return job


def _run_failed_job_again(job: Job) -> Job:
    """Retry the failed job's incident; the new job its node creates (call inside the transaction)."""
    if job.status != JobStatus.FAILED:
        raise InvalidState(f"job {job.pk} at '{job.node_id}' is {job.status}: there is nothing to retry")
    incident = Incident.objects.filter(job=job, resolved_at__isnull=True).first()
    if incident is None:
        raise InvalidState(f"job {job.pk} at '{job.node_id}' failed, but its incident is already resolved")
    try:
        apply_command(job.instance_id, RetryIncident(incident.incident_id))
    except CommandRejected as error:
        raise InvalidState(f"cannot retry job {job.pk}: {error}") from None
    new_job = (
        Job.objects.filter(instance_id=job.instance_id, token_id=job.token_id, status=JobStatus.PENDING)
        .order_by("-pk")
        .first()
    )
    if new_job is None:  # the node did not create a job this time (e.g. the model moved on)
        raise InvalidState(f"retrying job {job.pk} created no new job")
    return new_job
