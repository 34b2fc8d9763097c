"""Keeping the locks of running jobs alive: one thread per process extends them all.

While a handler runs, its job's lock is extended every third of its duration, so only a worker
that died (or lost the database) lets a lock expire and crash recovery hand the job to another
worker (engine.worker.scheduler). A heartbeat thread per job would cost a thread start and join
per job (about 0.1 ms, a twentieth of a no-op job's whole CPU) and a database connection per
long-running handler. One keeper per process beats for every job its executors run, on one
connection, which it closes again when no job is held.

A beat is `UPDATE job SET lock_expires_at = now + lock WHERE id = ? AND status = 'running' AND
lock_owner = ?`: once the job completed, went back to pending or was taken over by crash
recovery, the beat changes nothing, so a beat racing with the end of a job is harmless.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection

from engine.store.models import Job, JobStatus
from engine.worker.claim import Clock
from engine.worker.per_process import PerProcess

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Held:
    job_id: int
    owner: str
    lock_for: timedelta
    clock: Clock
    released: bool = field(default=False)

    @property
    def period(self) -> float:
        return self.lock_for.total_seconds() / 3


class LockKeeper:
    """Extends the lock of every held job each third of its lock's duration, from one thread."""

    def __init__(self) -> None:
        self._wakeup = threading.Condition()
        # (monotonic time of the next beat, tie-breaker, job); released jobs are dropped lazily.
        self._beats: list[tuple[float, int, _Held]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def hold(self, job_id: int, owner: str, lock_for: timedelta, clock: Clock) -> Iterator[None]:
        """Keep the job's lock alive while the body runs."""
        held = _Held(job_id, owner, lock_for, clock)
        with self._wakeup:
            self._schedule(held, time.monotonic() + held.period)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lock-keeper", daemon=True)
                self._thread.start()
            self._wakeup.notify()
        try:
            yield
        finally:
            with self._wakeup:
                held.released = True
                self._wakeup.notify()

    def _schedule(self, held: _Held, at: float) -> None:
        heapq.heappush(self._beats, (at, next(self._order), held))

    def _run(self) -> None:
        while True:
            try:
                self._beat_due()
            except Exception:
                # The keeper must outlive any surprise: without it every held lock would lapse.
                logger.exception("lock keeper: unexpected error; going on")
                time.sleep(1)

    def _beat_due(self) -> None:
        due = self._next_due()
        for held in due:
            self._beat(held)
        with self._wakeup:
            for held in due:
                if not held.released:
                    self._schedule(held, time.monotonic() + held.period)

    def _next_due(self) -> list[_Held]:
        """Wait until at least one held job is due a beat; return those due."""
        with self._wakeup:
            while True:
                while self._beats and self._beats[0][2].released:
                    heapq.heappop(self._beats)
                if not self._beats:
                    # No job to keep: give the connection back rather than hold it while idle.
                    connection.close()
                    self._wakeup.wait()
                    continue
                now = time.monotonic()
                if self._beats[0][0] > now:
                    self._wakeup.wait(self._beats[0][0] - now)
                    continue
                due = []
                while self._beats and self._beats[0][0] <= now:
                    held = heapq.heappop(self._beats)[2]
                    if not held.released:
                        due.append(held)
                return due

    def _beat(self, held: _Held) -> None:
        try:
            Job.objects.filter(pk=held.job_id, status=JobStatus.RUNNING, lock_owner=held.owner).update(
                lock_expires_at=held.clock() + held.lock_for
            )
        except Exception:
            # One failed beat (a dropped connection, a failover) must not end them all: the lock
            # would lapse and another worker would run the job meanwhile. The next beat, a third
            # of the lock later, tries on a new connection.
            logger.exception("job %s: could not extend its lock; trying again", held.job_id)
            connection.close()


@PerProcess
def lock_keeper() -> LockKeeper:
    """This process's keeper; a forked process (django-q2 forks its workers) makes its own,
    since the parent's thread does not exist in the child."""
    return LockKeeper()
