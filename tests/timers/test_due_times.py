"""first_due / next_due: when each kind of timer is due, in UTC, never early, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.timers import TimerSpecError, parse_timer

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def firings(text: str, now: datetime, limit: int = 10) -> list[datetime]:
    """The due times of a cycle as a scheduler that fires each one on time would see them."""
    spec = parse_timer("cycle", text)
    due: datetime | None = spec.first_due(now)
    seen: list[datetime] = []
    while due is not None and len(seen) < limit:
        seen.append(due)
        due = spec.next_due(due, len(seen))
    return seen


def test_it_makes_a_date_due_at_that_instant_and_only_once() -> None:
    spec = parse_timer("date", "2026-06-01T08:00:00+02:00")
    assert spec.first_due(NOW) == utc(2026, 6, 1, 6)
    assert spec.next_due(utc(2026, 6, 1, 6), 1) is None


def test_it_makes_a_past_date_due_immediately() -> None:
    assert parse_timer("date", "2020-01-01T00:00:00Z").first_due(NOW) == utc(2020, 1, 1)


def test_it_makes_a_duration_due_that_long_after_now_and_only_once() -> None:
    spec = parse_timer("duration", "PT1H30M")
    assert spec.first_due(NOW) == NOW + timedelta(hours=1, minutes=30)
    assert spec.next_due(NOW + timedelta(hours=1, minutes=30), 1) is None


def test_it_makes_a_zero_duration_due_at_once() -> None:
    assert parse_timer("duration", "PT0S").first_due(NOW) == NOW


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        (utc(2026, 1, 31), "P1M", utc(2026, 2, 28)),
        (utc(2028, 1, 31), "P1M", utc(2028, 2, 29)),
        (utc(2026, 3, 31), "P1M", utc(2026, 4, 30)),
        (utc(2028, 2, 29), "P1Y", utc(2029, 2, 28)),
        (utc(2026, 1, 31, 10), "P1M1DT1H", utc(2026, 3, 1, 11)),  # months first, then the exact part
        (utc(2026, 12, 15), "P1M", utc(2027, 1, 15)),
        (utc(2026, 1, 1), "P1Y2M3DT4H5M6.5S", datetime(2027, 3, 4, 4, 5, 6, 500000, tzinfo=UTC)),
    ],
)
def test_it_adds_years_and_months_on_the_calendar(start: datetime, duration: str, due: datetime) -> None:
    assert parse_timer("duration", duration).first_due(start) == due


def test_it_counts_a_day_as_24_hours_across_daylight_saving_changes() -> None:
    # Europe moves its clocks on 2026-03-29; a UTC timer does not notice.
    before = datetime(2026, 3, 29, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert parse_timer("duration", "P1D").first_due(before) == utc(2026, 3, 29, 23, 30)
    assert parse_timer("duration", "PT24H").first_due(before) == utc(2026, 3, 29, 23, 30)


def test_it_returns_utc_whatever_offset_now_has() -> None:
    due = parse_timer("duration", "PT1M").first_due(NOW.astimezone(timezone(timedelta(hours=-7))))
    assert due == NOW + timedelta(minutes=1)
    assert due.tzinfo is UTC


def test_it_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware datetime"):
        parse_timer("duration", "PT1M").first_due(datetime(2026, 1, 1))


def test_it_refuses_a_fired_count_below_one() -> None:
    with pytest.raises(ValueError, match="fired_count counts the firings so far"):
        parse_timer("cycle", "R3/PT1M").next_due(NOW, 0)


def test_it_refuses_a_due_time_after_year_9999() -> None:
    with pytest.raises(TimerSpecError, match="the due time would be after the year 9999"):
        parse_timer("duration", "P2Y").first_due(utc(9998, 6, 1))


def test_it_fires_a_bounded_cycle_without_start_n_times_a_period_apart() -> None:
    assert firings("R3/PT10M", NOW) == [NOW + timedelta(minutes=10 * k) for k in (1, 2, 3)]


def test_it_fires_a_single_repetition_once() -> None:
    assert firings("R1/PT10M", NOW) == [NOW + timedelta(minutes=10)]


def test_it_keeps_an_unbounded_cycle_going() -> None:
    assert firings("R/PT10M", NOW, limit=500)[-1] == NOW + timedelta(minutes=10 * 500)


def test_it_starts_a_cycle_with_a_future_start_at_the_start() -> None:
    assert firings("R3/2026-04-01T00:00:00Z/P1D", NOW) == [utc(2026, 4, 1), utc(2026, 4, 2), utc(2026, 4, 3)]


def test_it_keeps_month_ends_in_a_monthly_cycle_from_a_start() -> None:
    assert firings("R4/2026-01-31T00:00:00Z/P1M", utc(2026, 1, 1)) == [
        utc(2026, 1, 31),
        utc(2026, 2, 28),
        utc(2026, 3, 31),
        utc(2026, 4, 30),
    ]


def test_it_lets_a_monthly_cycle_without_start_follow_the_previous_due() -> None:
    # Without a start there is no anchor, so after Feb 28 comes Mar 28 (documented).
    assert firings("R3/P1M", utc(2025, 12, 31)) == [utc(2026, 1, 31), utc(2026, 2, 28), utc(2026, 3, 28)]


def test_it_folds_the_missed_slots_of_a_past_start_into_one_firing() -> None:
    spec = parse_timer("cycle", "R/2026-01-01T00:00:00Z/P1D")
    first = spec.first_due(NOW)
    assert first == utc(2026, 3, 10)  # the latest slot at or before now: late, not early
    assert spec.next_due(first, 1) == utc(2026, 3, 11)


def test_it_fires_a_past_start_that_is_exactly_now_once() -> None:
    spec = parse_timer("cycle", "R/2026-03-10T12:00:00Z/PT1H")
    assert spec.first_due(NOW) == NOW
    assert spec.next_due(NOW, 1) == NOW + timedelta(hours=1)


def test_it_fires_a_bounded_cycle_whose_slots_all_passed_once_at_its_last_slot() -> None:
    spec = parse_timer("cycle", "R3/2026-01-01T00:00:00Z/P1D")
    assert spec.first_due(NOW) == utc(2026, 1, 3)
    assert spec.next_due(utc(2026, 1, 3), 1) is None


def test_it_ends_a_bounded_cycle_with_a_start_after_its_last_slot_even_when_folded() -> None:
    spec = parse_timer("cycle", "R5/2026-03-08T00:00:00Z/P1D")
    first = spec.first_due(NOW)
    assert first == utc(2026, 3, 10)  # slots 8, 9 and 10 folded into one firing
    assert spec.next_due(first, 1) == utc(2026, 3, 11)
    assert spec.next_due(utc(2026, 3, 11), 2) == utc(2026, 3, 12)
    assert spec.next_due(utc(2026, 3, 12), 3) is None  # the 5th and last slot has been


def test_it_folds_slots_missed_while_no_scheduler_ran_when_given_now() -> None:
    spec = parse_timer("cycle", "R/2026-01-01T00:00:00Z/PT1H")
    late = utc(2026, 1, 1, 5, 30)
    assert spec.next_due(utc(2026, 1, 1, 1), 2) == utc(2026, 1, 1, 2)  # without now: the next slot
    assert spec.next_due(utc(2026, 1, 1, 1), 2, now=late) == utc(2026, 1, 1, 5)  # one catch-up firing
    assert spec.next_due(utc(2026, 1, 1, 5), 3, now=late) == utc(2026, 1, 1, 6)


def test_it_still_fires_the_last_slot_of_a_bounded_cycle_once_when_all_remaining_ones_were_missed() -> None:
    spec = parse_timer("cycle", "R3/2026-01-01T00:00:00Z/P1D")
    assert spec.next_due(utc(2026, 1, 1), 1, now=NOW) == utc(2026, 1, 3)
    assert spec.next_due(utc(2026, 1, 3), 2, now=NOW) is None


def test_it_folds_missed_periods_of_a_cycle_without_start_when_given_now() -> None:
    spec = parse_timer("cycle", "R/PT10M")
    assert spec.next_due(utc(2026, 1, 1), 1, now=utc(2026, 1, 1, 1, 5)) == utc(2026, 1, 1, 1)
    assert spec.next_due(utc(2026, 1, 1), 1, now=utc(2026, 1, 1, 0, 5)) == utc(2026, 1, 1, 0, 10)


def test_it_counts_firings_not_slots_for_a_cycle_without_start() -> None:
    spec = parse_timer("cycle", "R2/PT10M")
    assert spec.next_due(utc(2026, 1, 1), 1, now=utc(2026, 1, 2)) == utc(2026, 1, 2)
    assert spec.next_due(utc(2026, 1, 2), 2) is None


def test_it_finds_the_slot_after_a_long_unbounded_run_quickly() -> None:
    spec = parse_timer("cycle", "R/2000-01-31T00:00:00Z/P1M")
    assert spec.first_due(utc(2026, 3, 30)) == utc(2026, 2, 28)
    assert spec.next_due(utc(2026, 2, 28), 1) == utc(2026, 3, 31)
    seconds = parse_timer("cycle", "R/2000-01-01T00:00:00Z/PT0.000001S")
    assert seconds.first_due(NOW) == NOW
