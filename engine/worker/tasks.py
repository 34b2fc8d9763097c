"""The django-q2 task behind every job message: claim the job, run it, apply the outcome.

A message only means "job N may be runnable". The claim decides: a job that is already taken,
finished, not yet due, or whose instance is busy with another job is left alone ("skipped"),
so duplicate, late or stray messages never run a handler twice.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from engine.store.models import Job, JobStatus
from engine.worker.claim import claim, new_owner
from engine.worker.dispatch import dispatch
from engine.worker.execute import execute_job
from engine.worker.per_process import PerProcess


@PerProcess
def worker_owner() -> str:
    """This process's lock owner; django-q2 forks its workers, so it is made per pid."""
    return new_owner()


def run_job(job_id: int) -> str:
    """Run job `job_id` if it can be claimed; return the outcome ("skipped" when it could not)."""
    owner = worker_owner()
    lock_for = timedelta(seconds=settings.BPM_WORKER_LOCK_SECONDS)
    job = claim(job_id, owner, now=timezone.now(), lock_for=lock_for)
    if job is None:
        # This message is used up without running the job (its instance was busy, or it was
        # not due yet): mark the job as having no message on its way, so it is sent again,
        # and only it: jobs whose message is still queued are not sent twice.
        Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(dispatched_at=None)
        return "skipped"
    outcome = execute_job(job, owner, lock_for=lock_for)
    # Jobs of this instance that were skipped while this one ran may go now.
    waiting = Job.objects.filter(
        instance_id=job.instance_id, status=JobStatus.PENDING, due_at__lte=timezone.now(), dispatched_at=None
    )
    dispatch(list(waiting.values_list("pk", flat=True)))
    return outcome
