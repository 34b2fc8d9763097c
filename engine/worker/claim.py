"""Claiming a job: pending -> running for exactly one worker, with a lock that expires.

A claim is ONE statement in autocommit, `UPDATE job SET status = 'running', ... WHERE id = ?
AND status = 'pending' AND due_at <= now RETURNING ...`: whichever worker's UPDATE changes the
row owns the job, every other one changes nothing and moves on. `claim_next` picks the oldest
due job inside the same statement (on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so workers
claiming at the same moment take different jobs instead of queueing on one row). A claim
never touches the instance row (execution rule 2), so it never waits for a running command.

Exclusive jobs (the default, BPM_JOBS_EXCLUSIVE) of one instance run one at a time, so
parallel branches of one instance never race on its variables or joins, while different
instances run in parallel. The database enforces it: a partial unique index allows one
running exclusive job per instance (Job.Meta.constraints). The claim skips jobs of instances
that already run one; of two workers claiming two jobs of one idle instance at the same moment,
the second one's UPDATE fails on the index (IntegrityError) and it claims nothing. A running job
whose worker died keeps its instance busy until crash recovery hands it back to the queue
(engine.worker.scheduler, every scheduler pass).
"""

from __future__ import annotations

import functools
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, connection

from engine.store.joined import RowLoader
from engine.store.models import Job

Clock = Callable[[], datetime]

#: How often claim_next tries again when its pick lost the race for an instance (IntegrityError).
_RACES = 5
#: A claimed job from the RETURNING row of the claim (all columns, in the model's order).
JOB_ROWS = RowLoader(Job)


def new_owner() -> str:
    """A lock owner that is unique to this process incarnation: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def claim_next(
    owner: str, *, now: datetime, lock_for: timedelta, instance_id: int | None = None
) -> Job | None:
    """Claim the oldest due pending job (of `instance_id`, or any); None when there is none to take.

    Call outside transaction.atomic(): the claim must be committed before the handler runs.
    """
    pick = _oldest_due_job(connection.vendor, instance_id is not None)
    params = [now, *([instance_id] if instance_id is not None else [])]
    for _ in range(_RACES):
        claimed, lost_race = _run_claim(pick, params, owner, now=now, lock_for=lock_for)
        if not lost_race:
            return claimed
    return None


def claim(job_id: int, owner: str, *, now: datetime, lock_for: timedelta) -> Job | None:
    """Claim this job if it is still pending and due (and, if exclusive, its instance is idle); else None."""
    claimed, _ = _run_claim("%s", [job_id], owner, now=now, lock_for=lock_for)
    return claimed


def _run_claim(
    job_id_sql: str, params: list[object], owner: str, *, now: datetime, lock_for: timedelta
) -> tuple[Job | None, bool]:
    """(the claimed job or None, whether the claim lost a race for its instance)."""
    if connection.in_atomic_block:
        raise RuntimeError("claim a job outside transaction.atomic(), so the claim commits before it runs")
    sql = _claim_sql(connection.vendor, job_id_sql)
    try:
        # Parameters in the order of the SQL: the lock's owner and expiry, those of the SQL
        # choosing the job, then `now` for the due check of the chosen row.
        # Values as the ORM would send them (SQLite compares timestamps as text in its format).
        adapt = connection.ops.adapt_unknown_value
        with connection.cursor() as cursor:
            cursor.execute(sql, [adapt(value) for value in (owner, now + lock_for, *params, now)])
            row = cursor.fetchone()
    except IntegrityError:
        # Another worker claimed a job of the same instance between our pick and our write.
        return None, True
    return (JOB_ROWS.load(row, using=connection.alias) if row else None), False


@functools.cache
def _oldest_due_job(vendor: str, of_one_instance: bool) -> str:
    """A subquery choosing the id of the oldest due pending job whose instance may run it now."""
    instance_filter = "AND j.instance_id = %s" if of_one_instance else ""
    skip_locked = "FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    # Only the model's own table name goes into the SQL; values are parameters.
    return f"""(
        SELECT j.id FROM {_table()} j
        WHERE j.status = 'pending' AND j.due_at <= %s {instance_filter} AND NOT {_instance_busy("j")}
        ORDER BY j.due_at, j.id
        LIMIT 1 {skip_locked}
    )"""  # noqa: S608


@functools.cache
def _claim_sql(vendor: str, job_id_sql: str) -> str:
    columns = ", ".join(connection.ops.quote_name(field.column) for field in JOB_ROWS.fields)
    table = _table()
    # The busy check spares a claim that would fail on the unique index (and, on PostgreSQL,
    # the wait for the transaction holding its entry); the index is what makes it certain.
    return f"""
        UPDATE {table} SET status = 'running', attempts = attempts + 1, lock_owner = %s,
            lock_expires_at = %s
        WHERE id = {job_id_sql} AND status = 'pending' AND due_at <= %s AND NOT {_instance_busy(table)}
        RETURNING {columns}
    """  # noqa: S608


def _instance_busy(job: str) -> str:
    """SQL: `job` (a table name or alias) is exclusive and its instance runs an exclusive job."""
    return f"""({job}.exclusive AND EXISTS (
        SELECT 1 FROM {_table()} b
        WHERE b.instance_id = {job}.instance_id AND b.status = 'running' AND b.exclusive))"""  # noqa: S608


def _table() -> str:
    return connection.ops.quote_name(Job._meta.db_table)
