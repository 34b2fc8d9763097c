"""Worker heartbeats: each `bpm worker` says it is alive on every scheduler pass."""

from __future__ import annotations

from datetime import datetime

from engine.store.models import WorkerHeartbeat


def record_worker_heartbeat(*, owner: str, now: datetime) -> None:
    """Note that worker `owner` is alive at `now` (one row per worker process, updated in place)."""
    if not WorkerHeartbeat.objects.filter(owner=owner).update(last_seen_at=now):
        WorkerHeartbeat.objects.get_or_create(owner=owner, defaults={"started_at": now, "last_seen_at": now})
