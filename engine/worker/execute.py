"""Run one claimed job and apply its outcome; the handler runs OUTSIDE any transaction.

Outcomes:
- success: services.complete_job (the store's compare-and-set path) moves the token on.
- failure with attempts left (see engine.store.retry): the job goes back to pending, due
  after the backoff, with `last_error` recorded; its token keeps waiting, no incident.
- failure with no attempts left, or one retrying cannot help: services.fail_job raises an
  incident with the error and details (stderr, traceback) and the number of attempts.

A compare-and-set conflict while applying a result is not a failed attempt: the result is
applied again, and if that still cannot succeed the job is released with its attempt
refunded. While the handler runs, the process's lock keeper extends the lock, so only a worker
that died (or lost the database) lets its lock expire (see engine.worker.lock_keeper).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from engine.services import complete_job, fail_job, throw_job_error
from engine.services.errors import InvalidState, NotFound
from engine.services.jobs import HandlerFailed, HandlerSucceeded, HandlerThrewError, invoke_handler
from engine.store.errors import Conflict
from engine.store.models import Job, JobStatus
from engine.store.retry import RetryPolicy, parse_retry_policy
from engine.worker.claim import Clock
from engine.worker.lock_keeper import lock_keeper

logger = logging.getLogger(__name__)

#: Rounds of services.complete_job (each already retries conflicts many times) before a
#: result is given up on and the job released for another run with its attempt refunded.
_APPLY_ROUNDS = 3


def execute_job(job: Job, owner: str, *, lock_for: timedelta, clock: Clock = timezone.now) -> str:
    """Run a job claimed by `owner` and apply its outcome; return what happened (for logs and tests).

    One of "completed", "retry", "failed", "released" (a result could not be applied, the job
    will run again) or "lost" (the lock was taken over by crash recovery meanwhile).
    """
    try:
        policy = parse_retry_policy(job.retry)
    except ValueError as error:
        _report_failure(job, f"service task '{job.node_id}' has an invalid {error}", "")
        return "failed"
    with lock_keeper().hold(job.pk, owner, lock_for, clock):
        outcome = invoke_handler(job)
    match outcome:
        case HandlerSucceeded(variables=variables):
            return _apply_result(job, owner, lambda: complete_job(job_id=job.pk, variables=variables), clock)
        case HandlerThrewError(code=code, message=message):
            # A business outcome the model handles: never retried.
            return _apply_result(
                job, owner, lambda: throw_job_error(job_id=job.pk, code=code, message=message), clock
            )
        case HandlerFailed(error=error, details=details, retryable=retryable):
            # job.max_attempts comes from the policy, unless an operator set the job's retries.
            if retryable and job.attempts < job.max_attempts:
                return _schedule_retry(job, owner, policy, error, details, clock)
            _report_failure(job, error, _incident_details(job, policy, details, retryable))
            return "failed"
    raise AssertionError(f"unexpected handler outcome {outcome!r}")  # pragma: no cover


def _apply_result(job: Job, owner: str, report: Callable[[], object], clock: Clock) -> str:
    """Report the handler's result (complete_job / throw_job_error); release the job on conflicts."""
    for round_number in range(1, _APPLY_ROUNDS + 1):
        try:
            report()
            return "completed"
        except Conflict as error:
            logger.warning("job %s: conflict applying its result (round %d): %s", job.pk, round_number, error)
        except (InvalidState, NotFound) as error:
            # The token is no longer ours to move (already failed, cancelled, deleted).
            logger.warning("job %s: result not applied: %s", job.pk, error)
            return "failed"
    released = _owned(job, owner).update(
        status=JobStatus.PENDING,
        attempts=F("attempts") - 1,
        due_at=clock(),
        lock_owner="",
        lock_expires_at=None,
        dispatched_at=None,
        last_error="its result could not be applied because of conflicting changes; it runs again",
    )
    return "released" if released else "lost"


def _schedule_retry(job: Job, owner: str, policy: RetryPolicy, error: str, details: str, clock: Clock) -> str:
    delay = policy.delay_after(job.attempts)
    logger.info(
        "job %s at '%s' failed (attempt %d of %d), retrying in %s: %s",
        job.pk, job.node_id, job.attempts, policy.max_attempts, delay, error,
    )  # fmt: skip
    rescheduled = _owned(job, owner).update(
        status=JobStatus.PENDING,
        due_at=clock() + delay,
        lock_owner="",
        lock_expires_at=None,
        dispatched_at=None,  # the scheduler pass sends it to the queue when it is due
        last_error=_with_details(f"attempt {job.attempts} of {policy.max_attempts}: {error}", details),
    )
    return "retry" if rescheduled else "lost"


def _report_failure(job: Job, error: str, details: str) -> None:
    try:
        fail_job(job_id=job.pk, error=error, details=details)
    except (InvalidState, NotFound) as problem:
        logger.warning("job %s: failure not applied: %s", job.pk, problem)


def _incident_details(job: Job, policy: RetryPolicy, details: str, retryable: bool) -> str:
    tried = f"failed after {job.attempts} attempt{'s' if job.attempts != 1 else ''}"
    if not retryable:
        tried += " (not retried: trying again cannot help)"
    elif job.retry:
        tried += f" (retry policy {job.retry})"
    else:
        tried += f" (default retry policy: {policy.max_attempts} attempts with backoff)"
    return _with_details(tried, details)


def _with_details(text: str, details: str) -> str:
    return f"{text}\n\n{details}" if details else text


def _owned(job: Job, owner: str):  # -> QuerySet[Job]
    """The job row, as long as it is still running under our lock (crash recovery may have taken it)."""
    return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, lock_owner=owner)
