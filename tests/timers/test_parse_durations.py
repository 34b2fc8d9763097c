"""timeDuration: ISO-8601 durations, calendar months kept apart from exact time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.timers import Duration, DurationTimer, parse_timer
from tests.timers.refusals import refusal


@pytest.mark.parametrize(
    ("text", "months", "exact"),
    [
        ("PT10S", 0, timedelta(seconds=10)),
        ("PT1H30M", 0, timedelta(hours=1, minutes=30)),
        ("PT90M", 0, timedelta(minutes=90)),
        ("P1D", 0, timedelta(days=1)),
        ("P1W", 0, timedelta(weeks=1)),
        ("P2W3D", 0, timedelta(days=17)),
        ("P1M", 1, timedelta(0)),
        ("P1Y", 12, timedelta(0)),
        ("P1Y2M3DT4H5M6.5S", 14, timedelta(days=3, hours=4, minutes=5, seconds=6.5)),
        ("PT0.000001S", 0, timedelta(microseconds=1)),
        ("PT1,5S", 0, timedelta(seconds=1.5)),
        ("PT0S", 0, timedelta(0)),
        ("P999Y", 999 * 12, timedelta(0)),
    ],
)
def test_it_reads_durations(text: str, months: int, exact: timedelta) -> None:
    spec = parse_timer("duration", text)
    assert isinstance(spec, DurationTimer)
    assert spec.duration == Duration(months=months, exact=exact)


@pytest.mark.parametrize(
    ("text", "message", "character"),
    [
        ("10", "this looks like a timer date, not a timer duration", 1),
        ("-PT10S", "negative durations are not allowed", 1),
        ("T10S", "a duration starts with P (such as PT10S or P1D), found 'T'", 1),
        ("P", "expected at least one number and unit after P", 2),
        ("PT", "expected hours, minutes or seconds after T", 3),
        ("P1DT", "expected hours, minutes or seconds after T", 5),
        ("PT10X", "expected a unit (H, M, S) after the number, found 'X'", 5),
        ("PT10", "expected a unit (H, M, S) after the number, found the end of the text", 5),
        ("P10", "expected a unit (Y, M, W, D) after the number", 4),
        ("P1H", "hours, minutes and seconds come after T (such as PT1H); found 'H'", 3),
        ("P1D1Y", "unexpected 'Y' after days (units go largest first, once each)", 5),
        ("P1M1Y", "expected a unit (W, D) after the number, found 'Y'", 5),
        ("PT1M1M", "expected a unit (S)", 6),  # repeated
        ("PT1S1M", "unexpected 'M' after seconds", 6),
        ("pt10s", "a duration starts with P", 1),
        ("PT1.5H", "only seconds may have a decimal fraction", 3),
        ("P1.5D", "only seconds may have a decimal fraction", 2),
        ("PT1.1234567S", "at most 6 decimal places", 11),
        ("PTS", "expected a number, found 'S'", 3),
        ("P1001Y", "the duration is longer than 1000 years", 1),
        ("PT99999999999999H", "the duration is longer than 1000 years", 1),
        ("P1DT1H1", "expected a unit (M, S) after the number", 8),
    ],
)
def test_it_refuses_a_malformed_duration_naming_where(text: str, message: str, character: int) -> None:
    error = refusal("duration", text)
    assert message in error.message
    assert error.position == character - 1
