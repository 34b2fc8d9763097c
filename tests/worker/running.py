"""Running jobs the way a worker does, one at a time, under a test clock."""

from __future__ import annotations

from datetime import timedelta

from engine.worker.claim import claim_next
from engine.worker.execute import execute_job
from tests.worker.clock import FakeClock

LOCK = timedelta(seconds=30)


def run_next_job(clock: FakeClock, owner: str = "test-worker") -> str | None:
    """Claim the next due job and run it; its outcome, or None when nothing was due."""
    job = claim_next(owner, now=clock(), lock_for=LOCK)
    return None if job is None else execute_job(job, owner, lock_for=LOCK, clock=clock)
