"""Properties the scheduler relies on: durations only move forward, cycles never go back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from engine.timers import parse_timer

instants = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@st.composite
def durations(draw: st.DrawFn, positive: bool = True) -> str:
    parts = draw(st.lists(st.integers(0, 40), min_size=7, max_size=7))
    fraction = draw(st.integers(0, 999_999))
    years, months, weeks, days, hours, minutes, seconds = parts
    text = f"P{years}Y{months}M{weeks}W{days}DT{hours}H{minutes}M{seconds}.{fraction:06d}S"
    if positive and not any(parts) and not fraction:
        text = "PT1S"
    return text


@given(durations(positive=False), instants, instants)
def test_it_adds_durations_monotonically(duration: str, a: datetime, b: datetime) -> None:
    spec = parse_timer("duration", duration)
    earlier, later = sorted((a, b))
    assert spec.first_due(earlier) <= spec.first_due(later)
    assert spec.first_due(earlier) >= earlier


@given(durations(), instants)
def test_it_moves_a_positive_duration_strictly_forward(duration: str, now: datetime) -> None:
    assert parse_timer("duration", duration).first_due(now) > now


@given(
    durations(),
    st.one_of(st.none(), instants),
    instants,
    st.integers(1, 1000),
    st.one_of(st.none(), st.timedeltas(timedelta(0), timedelta(days=5000))),
)
def test_it_schedules_each_cycle_firing_after_the_previous_one(
    period: str, start: datetime | None, now: datetime, fired: int, late_by: timedelta | None
) -> None:
    anchor = "" if start is None else start.strftime("%Y-%m-%dT%H:%M:%S.%fZ") + "/"
    spec = parse_timer("cycle", f"R/{anchor}{period}")
    previous = spec.first_due(now)
    assert previous > now if start is None else previous <= max(now, start)
    current = None if late_by is None else previous + late_by
    following = spec.next_due(previous, fired, now=current)
    assert following is not None
    assert following > previous
    if current is not None and following <= current:
        # Missed slots fold into this one firing: the one after it is in the future.
        after_fold = spec.next_due(following, fired + 1, now=current)
        assert after_fold is not None and after_fold > current


@given(durations(), instants, st.integers(1, 20))
def test_it_fires_a_bounded_cycle_exactly_n_times_when_on_time(period: str, now: datetime, n: int) -> None:
    spec = parse_timer("cycle", f"R{n}/{period}")
    due: datetime | None = spec.first_due(now)
    fired = 0
    while due is not None:
        fired += 1
        following = spec.next_due(due, fired)
        assert following is None or following > due
        due = following
    assert fired == n


@given(
    durations(),
    instants,
    instants,
    st.integers(1, 20),
    st.lists(st.timedeltas(timedelta(0), timedelta(days=400)), min_size=20, max_size=20),
)
def test_it_fires_a_bounded_cycle_with_a_start_at_most_n_times_however_late(
    period: str, start: datetime, now: datetime, n: int, lateness: list[timedelta]
) -> None:
    spec = parse_timer("cycle", f"R{n}/{start.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}/{period}")
    due: datetime | None = spec.first_due(now)
    fired = 0
    while due is not None:
        fired += 1
        fired_at = max(due, now) + lateness[fired - 1]
        following = spec.next_due(due, fired, now=fired_at)
        assert following is None or following > due
        due = following
    assert 1 <= fired <= n
