"""timeDate: instants with a timezone, refused when ambiguous or impossible."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.timers import DateTimer, parse_timer
from tests.timers.refusals import refusal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-01T00:00:00Z", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T02:00:00+02:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00-05:30", datetime(2026, 1, 1, 5, 30, tzinfo=UTC)),
        ("2026-01-01T02:00:00+0200", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T02:00:00+02", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T00:00:00-00:00", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-01-01T09:30Z", datetime(2026, 1, 1, 9, 30, tzinfo=UTC)),
        ("2026-01-01T09:30:15.25Z", datetime(2026, 1, 1, 9, 30, 15, 250000, tzinfo=UTC)),
        ("2026-01-01T09:30:15,123456Z", datetime(2026, 1, 1, 9, 30, 15, 123456, tzinfo=UTC)),
        ("2026-01-01t09:30:00z", datetime(2026, 1, 1, 9, 30, tzinfo=UTC)),
        ("2028-02-29T00:00:00Z", datetime(2028, 2, 29, tzinfo=UTC)),
        ("  2026-01-01T00:00:00Z\n", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_it_reads_instants_and_converts_them_to_utc(text: str, expected: datetime) -> None:
    spec = parse_timer("date", text)
    assert isinstance(spec, DateTimer)
    assert spec.at == expected
    assert spec.at.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message", "character"),
    [
        ("2026-01-01", "a date without a time and timezone is ambiguous", 11),
        ("2026-01-01T00:00:00", "a time without a timezone is ambiguous; add Z for UTC", 20),
        ("2026-01-01T00:00", "a time without a timezone is ambiguous", 17),
        ("2026-01-01 00:00:00Z", "expected 'T' between the date and the time, found ' '", 11),
        ("2026-13-01T00:00:00Z", "month 13 does not exist", 6),
        ("2026-02-29T00:00:00Z", "day 29 does not exist in 2026-02 (01 to 28)", 9),
        ("2026-01-01T24:00:00Z", "hour 24 does not exist", 12),
        ("2026-01-01T00:60:00Z", "minute 60 does not exist", 15),
        ("2026-12-31T23:59:60Z", "leap seconds are not supported", 18),
        ("0000-01-01T00:00:00Z", "year 0000 does not exist", 1),
        ("26-01-01T00:00:00Z", "expected 4 digits for the year, found '-'", 3),
        ("2026/01/01T00:00:00Z", "expected '-' after the year, found '/'", 5),
        ("2026-01-01T00:00:00.1234567Z", "at most 6 decimal places", 27),
        ("2026-01-01T00:00:00.Z", "expected digits after the decimal sign", 21),
        ("2026-01-01T00:00:00 UTC", "expected Z or an offset such as +02:00", 20),
        ("2026-01-01T00:00:00+24:00", "offset hours 24 out of range", 21),
        ("2026-01-01T00:00:00+02:", "expected 2 digits for the offset minutes", 24),
        ("2026-01-01T00:00:00Zjunk", "unexpected 'j' after the timezone", 21),
        ("0001-01-01T00:00:00+01:00", "outside the years 0001 to 9999", 1),
        ("PT10M", "this looks like a timer duration, not a timer date; put it in a timeDuration", 1),
        ("R3/PT10M", "this looks like a timer cycle, not a timer date", 1),
    ],
)
def test_it_refuses_an_unusable_instant_naming_where(text: str, message: str, character: int) -> None:
    error = refusal("date", text)
    assert message in error.message
    assert error.position == character - 1
    assert f"(at character {character} of '{text}')" in str(error)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the timer date is empty"), ("   ", "the timer date is empty"), ("2" * 201, "longer than 200")],
)
def test_it_refuses_empty_and_overlong_text(text: str, message: str) -> None:
    assert message in str(refusal("date", text))


def test_it_refuses_an_unknown_kind() -> None:
    assert "unknown timer kind 'later'; expected one of date, duration, cycle" in str(
        refusal("later", "PT1M")  # type: ignore[arg-type]
    )
