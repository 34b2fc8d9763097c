"""Claiming a job: pending -> running for exactly one worker, with a lock that expires.

The claim is a conditional UPDATE of the job row alone (`... WHERE id = ? AND status =
'pending'`): whichever worker's UPDATE changes the row owns the job, every other one sees
0 rows and moves on. It never touches the instance row (execution rule 2), so claiming never
waits for a running command.

Jobs of one instance run one at a time by default (exclusive): a job is not claimed while
another job of its instance is running under an unexpired lock, so parallel branches of one
instance never race on its variables or joins, while different instances run in parallel.
To make "check, then claim" atomic between workers, claims of one instance are serialised:
on PostgreSQL by a transaction-scoped advisory lock on the instance id, on SQLite by the
IMMEDIATE transaction (one writer at a time).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F

from engine.store.models import Job, JobStatus

Clock = Callable[[], datetime]

#: First key of the advisory locks taken while claiming (ASCII "bpmc"), so they cannot be
#: mistaken for locks some other tool takes on the same database.
_ADVISORY_LOCK_CLASS = 0x62706D63
#: How many due jobs one claim round looks at before giving up (others may be claiming them).
_CANDIDATES = 20


def new_owner() -> str:
    """A lock owner that is unique to this process incarnation: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim_next(
    owner: str,
    *,
    now: datetime,
    lock_for: timedelta,
    exclusive: bool = True,
    instance_id: int | None = None,
) -> Job | None:
    """Claim the oldest due pending job (of `instance_id`, or any); None when there is none to take.

    Call outside transaction.atomic(): the claim must be committed before the handler runs.
    """
    due = Job.objects.filter(status=JobStatus.PENDING, due_at__lte=now)
    if instance_id is not None:
        due = due.filter(instance_id=instance_id)
    if exclusive:
        due = due.exclude(instance_id__in=busy_instances(now))
    for job_id, job_instance in due.order_by("due_at", "pk").values_list("pk", "instance_id")[:_CANDIDATES]:
        job = claim(job_id, job_instance, owner, now=now, lock_for=lock_for, exclusive=exclusive)
        if job is not None:
            return job
    return None


def claim(
    job_id: int, instance_id: int, owner: str, *, now: datetime, lock_for: timedelta, exclusive: bool = True
) -> Job | None:
    """Claim this job if it is still pending and due (and its instance is idle); else None."""
    if connection.in_atomic_block:
        raise RuntimeError("claim a job outside transaction.atomic(), so the claim commits before it runs")
    with transaction.atomic():
        if exclusive:
            _serialise_claims_of(instance_id)
            if busy_instances(now).filter(instance_id=instance_id).exists():
                return None
        claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING, due_at__lte=now).update(
            status=JobStatus.RUNNING,
            attempts=F("attempts") + 1,
            lock_owner=owner,
            lock_expires_at=now + lock_for,
        )
    return Job.objects.get(pk=job_id) if claimed else None


def busy_instances(now: datetime):  # -> QuerySet of instance ids
    """Instances with a job running under a live lock (exclusive jobs of theirs must wait)."""
    return Job.objects.filter(status=JobStatus.RUNNING, lock_expires_at__gt=now).values("instance_id")


def _serialise_claims_of(instance_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Released at commit; the int4 pair form keeps the key space apart from other users.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_LOCK_CLASS, instance_id % 2**31]
            )
