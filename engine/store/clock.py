"""The store's clock: real time, unless a caller moves to a virtual time.

The kernel never reads a clock; the store stamps events and computes timer due dates with
`now()`. `bpm run --skip-timers` runs a model in virtual time by firing each timer at its due
date under `virtual_time(due)`, so every timer armed afterwards is computed from that instant
and timers fire in the order real time would give, without waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_virtual_now: ContextVar[datetime | None] = ContextVar("virtual_now", default=None)


def now() -> datetime:
    virtual = _virtual_now.get()
    return virtual if virtual is not None else timezone.now()


@contextmanager
def virtual_time(at: datetime) -> Iterator[None]:
    """Within the block, `now()` is `at` (never earlier than the real time is irrelevant here)."""
    reset = _virtual_now.set(at)
    try:
        yield
    finally:
        _virtual_now.reset(reset)
