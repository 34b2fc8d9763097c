"""A clock the tests move by hand, so retries and lock expiry need no sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone


class FakeClock:
    """Starts an hour ahead of the real time: jobs the store creates at the real time are due."""

    def __init__(self, start: datetime | None = None):
        self.now = start or timezone.now() + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
