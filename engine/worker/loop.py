"""`bpm worker`: the scheduler pass and the executors in one process, with a graceful drain.

Two ways to run the jobs (settings.BPM_JOB_QUEUE):
- "django-q" (default): a django-q2 cluster (its own processes) runs the job messages sent
  after each commit (engine.worker.dispatch); this loop runs the scheduler pass every
  POLL_INTERVAL: crash recovery, and sending jobs that became due (retries) or whose message
  may be lost.
- "threads": this loop runs the scheduler pass, then claims due jobs from the Job table for
  its idle executor threads; while jobs keep coming it claims again at once.

SIGTERM or SIGINT stops claiming, lets running jobs finish and apply their results, and
returns 0. Run as many worker processes, on as many hosts, as you like: claiming and
recovery are safe between them (see engine.worker.claim).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from types import FrameType

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from engine.services.timers import fire_due_timers
from engine.services.workers import record_worker_heartbeat
from engine.store.models import Job
from engine.store.outbox import send_pending_messages
from engine.store.signals import deliver_pending_signals
from engine.worker.claim import Clock, claim_next, new_owner
from engine.worker.dispatch import dispatch_due
from engine.worker.execute import execute_job
from engine.worker.scheduler import recover_expired_locks

logger = logging.getLogger(__name__)

#: Seconds between scheduler passes, and the longest wait between polls for due jobs.
POLL_INTERVAL = 0.5
#: Seconds a threads worker waits before looking again right after it found work (IdleBackoff).
FIRST_IDLE_WAIT = 0.005


class IdleBackoff:
    """How long a threads worker with idle executors waits before it looks for due jobs again.

    Each empty look doubles the wait, up to `longest`; finding work starts again from `first`.
    While jobs come steadily, a new one waits milliseconds for a worker, not half a second,
    and a worker with nothing to do still looks only twice a second.
    """

    def __init__(self, first: float = FIRST_IDLE_WAIT, longest: float = POLL_INTERVAL):
        self.first, self.longest = first, max(first, longest)
        self._next = first

    def found_work(self) -> None:
        self._next = self.first

    def next_wait(self) -> float:
        wait = self._next
        self._next = min(self._next * 2, self.longest)
        return wait


#: Seconds one scheduler pass of a threads worker spends firing due timers before it claims jobs.
TIMER_BUDGET = 0.2
#: Seconds a worker thread or django-q2 process keeps its database connection between jobs.
WORKER_CONN_MAX_AGE = 300


def keep_connections_open() -> None:
    """Let this process's threads (and the django-q2 processes it forks) reuse their connections.

    BPM_CONN_MAX_AGE (default 0) suits the web server; a worker that opened a new connection
    for every job would spend more on connecting than on the job (on PostgreSQL, a new server
    process each time). Connections stay open up to WORKER_CONN_MAX_AGE; one that broke is
    replaced after its job, and conn_health_checks tests an idle one before it is used again.
    """
    for alias in connections:
        database = connections.settings[alias]
        if database.get("CONN_MAX_AGE") is not None:  # None: already kept forever
            database["CONN_MAX_AGE"] = max(database.get("CONN_MAX_AGE") or 0, WORKER_CONN_MAX_AGE)


class Worker:
    def __init__(
        self,
        *,
        concurrency: int | None = None,
        lock_for: timedelta | None = None,
        queue: str | None = None,
        poll_interval: float = POLL_INTERVAL,
        clock: Clock = timezone.now,
    ):
        self.concurrency = concurrency or settings.BPM_WORKER_CONCURRENCY
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.lock_for = lock_for or timedelta(seconds=settings.BPM_WORKER_LOCK_SECONDS)
        self.queue = queue or settings.BPM_JOB_QUEUE
        self.poll_interval = min(poll_interval, 1.0)
        self.clock = clock
        self.owner = new_owner()
        self.stopping = threading.Event()
        self._running: set[Future[str]] = set()
        self._wake = threading.Event()
        self._signals_installed = False
        self._next_pass = 0.0  # time.monotonic() of the next scheduler pass in run_once

    def stop(self, *_: object) -> None:
        """Stop claiming; jobs already running finish (called by the signal handlers)."""
        if not self.stopping.is_set():
            logger.info("worker %s: stopping, waiting for %d running job(s)", self.owner, len(self._running))
        self.stopping.set()
        self._wake.set()

    def install_signal_handlers(self) -> None:
        def handle(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)
        self._signals_installed = True

    def run(self) -> int:
        """Work until stop() is called; return the exit code (0)."""
        keep_connections_open()
        if self.queue == "django-q":
            return self._run_with_cluster()
        logger.info("worker %s: started with %d executor(s)", self.owner, self.concurrency)
        backoff = IdleBackoff(longest=self.poll_interval)
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="bpm-job") as pool:
            while not self.stopping.is_set():
                try:
                    claimed = self.run_once(pool)
                except Exception:
                    # The database went away or the like: keep the worker alive and try again.
                    logger.exception("worker %s: scheduler pass failed", self.owner)
                    connection.close()
                    claimed = 0
                if claimed:
                    backoff.found_work()
                    if self._idle_slots() > 0:
                        continue  # more may be due: claim again at once
                if self._idle_slots() == 0:
                    # Every executor is busy: the next look is when one finishes (it wakes us).
                    self._wake.wait(self.poll_interval)
                else:
                    self._wake.wait(backoff.next_wait())
                self._wake.clear()
            # Leaving the with block waits for the running jobs: the graceful drain.
        connection.close()
        logger.info("worker %s: stopped", self.owner)
        return 0

    def _run_with_cluster(self) -> int:
        from django_q.cluster import Cluster

        # The cluster forks its processes: they must not inherit our database connection.
        connection.close()
        cluster = Cluster()
        if self._signals_installed:
            self.install_signal_handlers()  # Cluster() replaced them with its own
        cluster.start()
        logger.info("worker %s: django-q2 cluster started", self.owner)
        exit_code = 0
        try:
            while not self.stopping.is_set():
                try:
                    self.scheduler_pass()
                except Exception:
                    logger.exception("worker %s: scheduler pass failed", self.owner)
                    connection.close()
                if not cluster.sentinel.is_alive():
                    logger.error("worker %s: the django-q2 cluster died; stopping", self.owner)
                    exit_code = 1
                    break
                self._wake.wait(self.poll_interval)
                self._wake.clear()
        finally:
            cluster.stop()  # waits for the running jobs: the graceful drain
            connection.close()
        logger.info("worker %s: stopped", self.owner)
        return exit_code

    def scheduler_pass(self) -> None:
        """Crash recovery, due timers, then (with django-q2) the jobs due but not on their way."""
        now = self.clock()
        stages = [
            # First, so the health endpoint sees a worker that is alive even if a stage fails.
            ("heartbeat", lambda: record_worker_heartbeat(owner=self.owner, now=now)),
            ("lock recovery", lambda: recover_expired_locks(now)),
            # Timers fire by the store's clock: never early, once (engine.services.timers).
            # With threads, this loop also claims the jobs: a storm of due timers gets a slice
            # of each pass, not all of it (the rest fire on the next passes).
            ("due timers", lambda: fire_due_timers(budget=TIMER_BUDGET if self.queue == "threads" else None)),
            # Signals thrown just before a crash are still in the outbox.
            ("pending signals", deliver_pending_signals),
            # Messages sent by processes (message throw/end events, send tasks), likewise.
            ("pending messages", send_pending_messages),
        ]
        if self.queue == "django-q":
            stages.append(("job dispatch", lambda: dispatch_due(now)))
        for stage, run in stages:
            try:
                run()
            except Exception:  # one stage failing (say, the database away) must not skip the others
                logger.exception("scheduler pass: %s failed; next pass in a second", stage)

    def run_once(self, pool: ThreadPoolExecutor) -> int:
        """A scheduler pass if one is due, then claim jobs for the idle executors; return how many."""
        # The pass (heartbeat, lock recovery, timers, outboxes) is a handful of queries; while
        # jobs keep coming this is called after every finished job, so it runs once per poll
        # interval, not once per job.
        if time.monotonic() >= self._next_pass:
            self.scheduler_pass()
            self._next_pass = time.monotonic() + self.poll_interval
        claimed = 0
        while self._idle_slots() > 0 and not self.stopping.is_set():
            job = claim_next(self.owner, now=self.clock(), lock_for=self.lock_for)
            if job is None:
                break
            future = pool.submit(self._execute, job)
            self._running.add(future)
            future.add_done_callback(self._finished)
            claimed += 1
        return claimed

    def _finished(self, future: Future[str]) -> None:
        self._running.discard(future)
        self._wake.set()  # a finished job often made the next one due: look now, not after the poll

    def _idle_slots(self) -> int:
        return self.concurrency - len(self._running)

    def _execute(self, job: Job) -> str:
        try:
            outcome = execute_job(job, self.owner, lock_for=self.lock_for, clock=self.clock)
            logger.info("job %s at '%s': %s", job.pk, job.node_id, outcome)
            return outcome
        except Exception:
            # The job stays running under our lock; crash recovery re-runs it when it expires.
            logger.exception("job %s at '%s': could not be run or reported", job.pk, job.node_id)
            # The connection may be what failed: the next job of this thread opens a new one.
            connection.close()
            return "error"
        finally:
            # The executor thread keeps its connection for its next job (opening one costs more
            # than a whole job on PostgreSQL); one that broke or outlived its age is replaced.
            connection.close_if_unusable_or_obsolete()
