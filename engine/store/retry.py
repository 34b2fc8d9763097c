"""How often a failed job is tried again, and how long to wait before each try.

A task's `bpm:retry` is an ISO-8601 repeating interval: `R3/PT10S` means three retries after
the first attempt (four attempts in all), ten seconds apart. `R0/PT1S` means no retry at all.
Without `bpm:retry` a job gets DEFAULT_ATTEMPTS attempts with exponential backoff
(5 s, then 10 s, ...), which rides out the short outages most failures are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from engine.handlers.fields import parse_seconds

#: Attempts in all (the first one included) for a task without `bpm:retry`.
DEFAULT_ATTEMPTS = 3
#: Wait before the first retry under the default policy; it doubles with every retry.
DEFAULT_FIRST_DELAY = timedelta(seconds=5)
#: Upper bound of a default backoff delay, whatever the attempt number.
DEFAULT_MAX_DELAY = timedelta(minutes=10)

_CYCLE = re.compile(r"R(?P<count>\d+)/(?P<interval>P\S+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    #: Attempts in all, the first one included (at least 1).
    max_attempts: int
    #: Fixed wait between attempts; None means exponential backoff from DEFAULT_FIRST_DELAY.
    interval: timedelta | None = None

    def delay_after(self, attempt: int) -> timedelta:
        """How long to wait after failed attempt number `attempt` (1 = the first) before the next."""
        if self.interval is not None:
            return self.interval
        return min(DEFAULT_MAX_DELAY, DEFAULT_FIRST_DELAY * 2 ** max(0, attempt - 1))

    def has_attempts_left(self, attempts_made: int) -> bool:
        return attempts_made < self.max_attempts


DEFAULT_POLICY = RetryPolicy(max_attempts=DEFAULT_ATTEMPTS)


def parse_retry_policy(text: str | None) -> RetryPolicy:
    """`R<retries>/<ISO-8601 duration>`, or DEFAULT_POLICY for an empty value; ValueError otherwise."""
    text = (text or "").strip()
    if not text:
        return DEFAULT_POLICY
    match = _CYCLE.fullmatch(text)
    if match is None:
        raise ValueError(
            f"retry policy '{text}' is not an ISO-8601 retry cycle such as R3/PT10S "
            "(R<number of retries>/<time between attempts>)"
        )
    try:
        seconds = parse_seconds(match["interval"])
    except ValueError as error:
        raise ValueError(f"retry policy '{text}': {error}") from None
    return RetryPolicy(max_attempts=1 + int(match["count"]), interval=timedelta(seconds=seconds))
