"""timeCycle: R[n]/period and R[n]/start/period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.timers import CycleTimer, parse_timer
from tests.timers.refusals import refusal

NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "repetitions", "start", "exact"),
    [
        ("R3/PT10M", 3, None, timedelta(minutes=10)),
        ("R/PT10M", None, None, timedelta(minutes=10)),
        ("R1/PT1S", 1, None, timedelta(seconds=1)),
        ("R1000000/PT1S", 1_000_000, None, timedelta(seconds=1)),
        ("R3/2026-01-01T00:00:00Z/P1D", 3, NEW_YEAR, timedelta(days=1)),
        ("R/2026-01-01T00:00:00Z/P1D", None, NEW_YEAR, timedelta(days=1)),
        ("R/2026-01-01T01:00:00+01:00/PT12H", None, NEW_YEAR, timedelta(hours=12)),
        ("R005/PT1M", 5, None, timedelta(minutes=1)),
    ],
)
def test_it_reads_cycles(
    text: str, repetitions: int | None, start: datetime | None, exact: timedelta
) -> None:
    spec = parse_timer("cycle", text)
    assert isinstance(spec, CycleTimer)
    assert (spec.repetitions, spec.start, spec.period.exact) == (repetitions, start, exact)


@pytest.mark.parametrize(
    ("text", "message", "character"),
    [
        ("PT10M", "expected 'R' to start a cycle: R3/PT10M fires three times, R/PT10M without end", 1),
        ("R3", "expected '/' after the repetitions", 3),
        ("R3PT10M", "expected '/' after the repetitions, such as R3/PT10M, found 'P'", 3),
        ("Rx/PT10M", "expected the number of repetitions or '/' after R, found 'x'", 2),
        ("R-1/PT10M", "expected the number of repetitions or '/' after R, found '-'", 2),
        ("R0/PT10M", "R0 would never fire", 2),
        ("R1000001/PT1S", "at most 1000000 repetitions; write R/ for an unbounded cycle", 2),
        ("R3/", "a duration starts with P", 4),
        ("R3/PT0S", "the period of a cycle must be longer than zero", 4),
        ("R/P0D", "the period of a cycle must be longer than zero", 3),
        ("R3/-PT10S", "negative durations are not allowed", 4),
        ("R3/2026-01-01T00:00:00Z", "a duration starts with P", 4),
        ("R5/P1D/2026-12-31T00:00:00Z", "the form R<n>/<period>/<end> is not supported", 4),
        ("R5/2026-01-01T00:00:00Z/2026-12-31T00:00:00Z", "R<n>/<start>/<end> is not supported", 25),
        ("R5/2026-01-01T00:00:00/P1D", "a time without a timezone is ambiguous", 23),
        ("R5/2026-01-01/P1D", "a date without a time and timezone is ambiguous", 14),
        ("R5/2026-01-01T00:00:00Z/P1D/P1D", "a cycle has at most three parts", 28),
        ("R3/PT10M ", None, None),  # trailing whitespace is fine: see the accepted forms
    ],
)
def test_it_refuses_a_malformed_cycle_naming_where(
    text: str, message: str | None, character: int | None
) -> None:
    if message is None:
        assert str(parse_timer("cycle", text)) == text.strip()
        return
    error = refusal("cycle", text)
    assert message in error.message
    assert error.position == character - 1  # type: ignore[operator]
