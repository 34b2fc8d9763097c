"""Handing jobs to the job queue (django-q2): in the transaction that creates them when the queue
is a table of the same database (the ORM broker), else right after its commit (Redis); and
again by the scheduler pass when they become due or their message may have been lost.

A message only says "job N may be runnable": engine.worker.tasks.run_job claims the job with
the same conditional UPDATE as every worker, so a message delivered twice, late, or for a job
that is not due runs nothing. The Job table stays the single source of truth; a lost message
only delays a job until the scheduler pass sends it again (see `stale_after`).

With BPM_JOB_QUEUE=threads nothing is sent: `bpm worker` polls the Job table itself.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from engine.store.models import Job, JobStatus
from engine.worker.per_process import PerProcess

logger = logging.getLogger(__name__)

#: The django-q2 task every job message runs.
RUN_JOB = "engine.worker.tasks.run_job"
#: A due job sent this long ago that is still pending is sent again (its message may be lost)...
REDISPATCH_AFTER = timedelta(seconds=60)
#: ...or already after this long while nothing waits in the queue: then its message can only be
#: lost (taken by a killed worker) or held by a worker busy with other jobs.
REDISPATCH_IDLE_AFTER = timedelta(seconds=5)
#: Jobs sent per scheduler pass at most; the rest go on the next pass.
BATCH = 500


@PerProcess
def broker() -> Any:
    """This process's django-q2 broker, made once.

    django-q2's `async_task` makes a new broker for every message when none is given, and with
    Redis that is a new connection each time (connect, HELLO, SELECT, close): the profile of the
    asynchronous benchmark had Redis and the starters busier with connections than with
    messages. The broker's connection pool is thread-safe; a forked process (django-q2 forks its
    workers) makes its own, never sharing its parent's sockets.
    """
    from django_q.brokers import get_broker

    return get_broker()


def queue_enabled() -> bool:
    return settings.BPM_JOB_QUEUE == "django-q"


def queue_in_database(using: str) -> bool:
    """Whether the job queue is a table of database `using`: django-q2's ORM broker on it (the
    embedded set-up). Messages can then be written in one transaction with the jobs' rows."""
    from django_q.brokers.orm import ORM
    from django_q.conf import Conf

    return queue_enabled() and using == Conf.ORM and isinstance(broker(), ORM)


def messages_in_transaction(using: str) -> bool:
    """Whether a job's message can be written in the transaction that creates the job.

    So it is when the queue is a table of the jobs' own database (`using`) and a transaction is
    open: the job and its message then commit together or not at all. No process can die
    between the commit and the send and leave a job whose message never went (the scheduler
    pass would find it only later), and no second statement is needed to record that it was
    sent. (It also needs the new jobs' ids from their INSERT, which SQLite before 3.35 does not
    return; there the messages go after the commit, as with Redis.)
    """
    return (
        queue_in_database(using)
        and not transaction.get_autocommit(using=using)
        and connections[using].features.can_return_rows_from_bulk_insert
    )


def mark_sent_with_their_messages(jobs: Iterable[Job], now: datetime) -> None:
    """Record these new, runnable jobs as sent: their messages go in their transaction."""
    for job in jobs:
        job.dispatched_at = now


def send_in_transaction(jobs: Iterable[Job]) -> None:
    """Write the messages of these new, runnable, just inserted jobs in the current transaction.

    Unlike `dispatch`, this raises: the queue is a table of the same database, so a failure
    here is a failure of the transaction, which then commits neither the jobs nor the command
    that made them.
    """
    for job in jobs:
        _send(job.pk)


def dispatch_after_commit(job_ids: Iterable[int]) -> None:
    """Send these jobs once the current transaction commits (at once outside a transaction)."""
    ids = list(job_ids)
    if ids and queue_enabled():

        def send_committed_jobs() -> None:
            dispatch(ids)

        # robust: a broker that is down must not turn a committed command into an error. (A
        # named function, not a functools.partial: Django logs a robust hook's failure by the
        # hook's __qualname__, which a partial lacks, so the logging itself would raise.)
        transaction.on_commit(send_committed_jobs, robust=True)


def dispatch(job_ids: Iterable[int]) -> int:
    """Send one message per job to the queue; return how many were sent. Never raises."""
    ids = list(job_ids)
    if not ids:
        return 0
    using = router.db_for_write(Job)
    if queue_in_database(using):
        return _dispatch_in_one_transaction(ids, using)
    sent = []
    for job_id in ids:
        try:
            _send(job_id)
        except Exception:
            logger.exception("job %s: could not be sent to the job queue; the scheduler pass retries", job_id)
            break
        sent.append(job_id)
    if sent:
        try:
            Job.objects.filter(pk__in=sent).update(dispatched_at=timezone.now())
        except Exception:
            # The messages are on their way; the jobs only look never sent, so a scheduler pass
            # sends them again, and a second message runs nothing (the claim decides).
            logger.exception("jobs %s: sent, but recording it failed; they may be sent again", sent)
    return len(sent)


def _dispatch_in_one_transaction(ids: list[int], using: str) -> int:
    """The messages and the record that they were sent, in one transaction: all of it or none.

    One commit instead of one per message and one for the record (the scheduler pass may send
    hundreds at once), and no job can be recorded as sent without its message, or the reverse.
    """
    try:
        with transaction.atomic(using=using):
            for job_id in ids:
                _send(job_id)
            Job.objects.filter(pk__in=ids).update(dispatched_at=timezone.now())
    except Exception:
        logger.exception("jobs %s: could not be sent to the job queue; the scheduler pass retries", ids)
        return 0
    return len(ids)


def _send(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task(RUN_JOB, job_id, task_name=f"bpm-job-{job_id}", group="bpm-jobs", broker=broker())


def dispatch_due(now: datetime) -> int:
    """Send the due pending jobs that were never sent, or whose message looks lost; return how many.

    Sending again while the earlier message still waits in the queue only adds work: with a
    backlog that takes longer to drain than the re-send interval, every pending job would gain
    a message per interval and the backlog would grow instead of shrink. So a job is sent again
    quickly only while the queue is empty, and otherwise after an interval that grows with how
    long the job has been due (a job stuck behind a long backlog is not re-sent every pass).
    """
    due = Job.objects.filter(status=JobStatus.PENDING, due_at__lte=now)
    # A message for an exclusive job of a busy instance would be used up without running it;
    # the running job sends its instance's waiting jobs when it finishes (engine.worker.tasks).
    due = due.without_busy_exclusive()
    oldest_first = ("due_at", "pk")
    never_sent = list(
        due.filter(dispatched_at=None).order_by(*oldest_first).values_list("pk", flat=True)[:BATCH]
    )
    idle = _queue_backlog() == 0
    maybe_lost = due.filter(dispatched_at__lt=now - REDISPATCH_IDLE_AFTER).order_by(*oldest_first)
    resend = [
        job_id
        for job_id, due_at, dispatched_at in maybe_lost.values_list("pk", "due_at", "dispatched_at")[:BATCH]
        if dispatched_at < now - stale_after(now - due_at, queue_idle=idle)
    ]
    return dispatch((never_sent + resend)[:BATCH])


def stale_after(overdue: timedelta, *, queue_idle: bool) -> timedelta:
    """How old a pending job's message may be before the job is sent again."""
    if queue_idle:
        # Grows with how long the job has waited: a message held by a worker that is busy with
        # a long job gets a few companions, not one per pass.
        return min(max(REDISPATCH_IDLE_AFTER, overdue / 4), REDISPATCH_AFTER)
    return max(REDISPATCH_AFTER, overdue / 4)


def _queue_backlog() -> int | None:
    """Messages waiting in the broker to be taken (None when the broker cannot tell)."""
    try:
        return int(broker().queue_size())
    except Exception:  # a broker that is down or cannot count: assume a backlog, re-send slowly
        logger.warning("could not read the job queue's size; re-sending lost messages slowly", exc_info=True)
        return None
