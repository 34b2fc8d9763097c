"""Handing jobs to the job queue (django-q2): right after the commit that created them, and again
by the scheduler pass when they become due or their message may have been lost.

A message only says "job N may be runnable": engine.worker.tasks.run_job claims the job with
the same conditional UPDATE as every worker, so a message delivered twice, late, or for a job
that is not due runs nothing. The Job table stays the single source of truth; a lost message
only delays a job until the scheduler pass sends it again (REDISPATCH_AFTER).

With BPM_JOB_QUEUE=threads nothing is sent: `bpm worker` polls the Job table itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine.store.models import Job, JobStatus

logger = logging.getLogger(__name__)

#: The django-q2 task every job message runs.
RUN_JOB = "engine.worker.tasks.run_job"
#: A due job sent this long ago that is still pending is sent again (its message may be lost).
REDISPATCH_AFTER = timedelta(seconds=60)
#: Jobs sent per scheduler pass at most; the rest go on the next pass.
BATCH = 500


def queue_enabled() -> bool:
    return settings.BPM_JOB_QUEUE == "django-q"


def dispatch_after_commit(job_ids: Iterable[int]) -> None:
    """Send these jobs once the current transaction commits (at once outside a transaction)."""
    ids = list(job_ids)
    if ids and queue_enabled():
        # robust: a broker that is down must not turn a committed command into an error.
        transaction.on_commit(partial(dispatch, ids), robust=True)


def dispatch(job_ids: Iterable[int]) -> int:
    """Send one message per job to the queue; return how many were sent. Never raises."""
    from django_q.tasks import async_task

    sent = []
    for job_id in job_ids:
        try:
            async_task(RUN_JOB, job_id, task_name=f"bpm-job-{job_id}", group="bpm-jobs")
        except Exception:
            logger.exception("job %s: could not be sent to the job queue; the scheduler pass retries", job_id)
            break
        sent.append(job_id)
    if sent:
        Job.objects.filter(pk__in=sent).update(dispatched_at=timezone.now())
    return len(sent)


def dispatch_due(now: datetime) -> int:
    """Send the due pending jobs that were never sent, or sent long ago; return how many."""
    due = (
        Job.objects.filter(status=JobStatus.PENDING, due_at__lte=now)
        .filter(Q(dispatched_at=None) | Q(dispatched_at__lt=now - REDISPATCH_AFTER))
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    return dispatch(list(due))
