"""Is the engine able to work: does the database answer, and did a worker check in lately?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection

from engine.store.models import WorkerHeartbeat


@dataclass(frozen=True, slots=True)
class Health:
    database: bool
    #: Workers seen within the liveness window; None when the database could not be asked.
    live_workers: int | None


def liveness_window() -> timedelta:
    """A worker is alive if seen this recently: its scheduler pass runs twice a second, and
    a worker busy with a long pass still beats well within its job lock time."""
    return timedelta(seconds=settings.BPM_WORKER_LOCK_SECONDS)


def engine_health(*, now: datetime) -> Health:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        live = WorkerHeartbeat.objects.filter(last_seen_at__gte=now - liveness_window()).count()
    except DatabaseError:
        return Health(database=False, live_workers=None)
    return Health(database=True, live_workers=live)
