"""The scheduler pass: make the jobs of workers that died runnable again.

A running job whose lock expired belongs to a worker that stopped extending it: it was
killed, lost its host or its database connection. Its attempt counts (the handler may have
run, partly or fully: handlers are at-least-once by contract), and the job goes back to
pending, due now, if its retry policy has attempts left; otherwise it fails into an incident.
Due pending jobs need no pass of their own: claiming picks up every job whose `due_at` has
come (retries after their backoff included).

The pass is idempotent and safe to run from several workers at once: each recovery is a
conditional UPDATE on the exact lock that expired.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from engine.services import fail_job
from engine.services.errors import InvalidState, NotFound
from engine.store.models import Job, JobStatus
from engine.store.retry import parse_retry_policy

logger = logging.getLogger(__name__)

#: Expired jobs handled per pass; the rest wait for the next pass (a second later).
BATCH = 100
#: How long recovery holds a job it is failing (the incident is written right away).
RECOVERY_LOCK = timedelta(seconds=60)


def recover_expired_locks(now: datetime) -> int:
    """Give every job whose lock expired before `now` back to the queue (or to an incident); count them."""
    expired = Job.objects.filter(status=JobStatus.RUNNING, lock_expires_at__lt=now).order_by(
        "lock_expires_at"
    )
    recovered = 0
    for job in expired[:BATCH]:
        lost = (
            f"attempt {job.attempts} was lost: its worker ({job.lock_owner or 'unknown'}) stopped "
            f"without reporting a result (lock expired at {job.lock_expires_at:%Y-%m-%d %H:%M:%S%z})"
        )
        try:
            attempts_left = parse_retry_policy(job.retry).has_attempts_left(job.attempts)
        except ValueError:
            attempts_left = False
        if attempts_left:
            recovered += Job.objects.filter(
                pk=job.pk,
                status=JobStatus.RUNNING,
                lock_owner=job.lock_owner,
                lock_expires_at=job.lock_expires_at,
            ).update(
                status=JobStatus.PENDING,
                due_at=now,
                lock_owner="",
                lock_expires_at=None,
                dispatched_at=None,
                last_error=lost,
            )
            logger.warning("job %s at '%s': %s; it runs again", job.pk, job.node_id, lost)
            continue
        # Take the job over first, with the lock exactly as we saw it expired: a worker that was
        # only slow and has renewed its lock meanwhile keeps its job.
        taken = Job.objects.filter(
            pk=job.pk,
            status=JobStatus.RUNNING,
            lock_owner=job.lock_owner,
            lock_expires_at=job.lock_expires_at,
        ).update(lock_owner="recovery", lock_expires_at=now + RECOVERY_LOCK)
        if not taken:
            continue
        try:
            fail_job(
                job_id=job.pk, error=f"the job's {lost}", details=f"no attempts left ({job.attempts} made)"
            )
            recovered += 1
        except (InvalidState, NotFound) as error:
            logger.warning("job %s: could not fail it after its lock expired: %s", job.pk, error)
        except Exception:  # one job that cannot be failed must not stop the recovery of the others
            logger.exception("job %s: failing it after its lock expired went wrong", job.pk)
    return recovered
