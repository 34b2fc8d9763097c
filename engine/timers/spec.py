"""Timer definitions (BPMN timeDate, timeDuration, timeCycle) and when they are due.

Pure: nothing here reads a clock. The caller passes `now` and the previous due time, and
stores `to_json()`; every datetime in and out is timezone-aware, and out is UTC.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, get_args

from engine.timers.errors import TimerSpecError
from engine.timers.iso8601 import Cursor, Duration, parse_duration, parse_instant

TimerKind = Literal["date", "duration", "cycle"]
TIMER_KINDS: tuple[TimerKind, ...] = get_args(TimerKind)
MAX_TEXT_LENGTH = 200
MAX_REPETITIONS = 1_000_000


@dataclass(frozen=True)
class TimerSpec(ABC):
    """A parsed timer definition; `str(spec)` is the text it was parsed from."""

    kind: ClassVar[TimerKind]
    text: str

    def __str__(self) -> str:
        return self.text

    @abstractmethod
    def first_due(self, now: datetime) -> datetime:
        """When the timer is first due, for a timer armed at `now`."""

    @abstractmethod
    def next_due(
        self, previous_due: datetime, fired_count: int, *, now: datetime | None = None
    ) -> datetime | None:
        """When the timer is due again after firing `fired_count` times in all, the last time
        for `previous_due`; None when it is done. Always later than `previous_due`."""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> TimerSpec:
        kind, text = data.get("kind"), data.get("text")
        if not isinstance(kind, str) or not isinstance(text, str):
            raise TimerSpecError(f"a stored timer needs string 'kind' and 'text', got {dict(data)!r}")
        return parse_timer(kind, text)  # type: ignore[arg-type]  # parse_timer checks the kind

    def _beyond_calendar(self) -> TimerSpecError:
        return TimerSpecError("the due time would be after the year 9999", text=self.text)


@dataclass(frozen=True)
class _FiresOnce(TimerSpec, ABC):
    """A date or a duration: after its one firing there is nothing more to do."""

    def next_due(
        self, previous_due: datetime, fired_count: int, *, now: datetime | None = None
    ) -> datetime | None:
        _check_progress(previous_due, fired_count, now)
        return None


@dataclass(frozen=True)
class DateTimer(_FiresOnce):
    """timeDate: due at one instant, immediately if that instant has passed; fires once."""

    kind: ClassVar[TimerKind] = "date"
    at: datetime

    def first_due(self, now: datetime) -> datetime:
        _utc(now, "now")
        return self.at


@dataclass(frozen=True)
class DurationTimer(_FiresOnce):
    """timeDuration: due one duration after the timer is armed; fires once."""

    kind: ClassVar[TimerKind] = "duration"
    duration: Duration

    def first_due(self, now: datetime) -> datetime:
        try:
            return self.duration.after(_utc(now, "now"))
        except OverflowError:
            raise self._beyond_calendar() from None


@dataclass(frozen=True)
class CycleTimer(TimerSpec):
    """timeCycle: `R[n]/[start/]period`; `repetitions` None means unbounded.

    Without a start, the first firing is one period after arming and each next one a period
    after the previous due time; `Rn` is n firings in all. With a start, the due times are the
    slots start + k * period (k = 0 .. n-1), counted from the start so month ends do not drift.
    Catch-up: slots missed while nothing ran are not replayed one by one; all slots at or
    before `now` fold into one firing at the latest of them, due immediately (late, never
    early, never twice). The schedule then continues at the next slot after `now`.
    """

    kind: ClassVar[TimerKind] = "cycle"
    period: Duration
    repetitions: int | None
    start: datetime | None

    def first_due(self, now: datetime) -> datetime:
        now = _utc(now, "now")
        try:
            if self.start is None:
                return self.period.after(now)
            if self.start > now:
                return self.start
            return self.period.after(
                self.start, self._bounded(_last_slot_at_or_before(self.start, self.period, now))
            )
        except OverflowError:
            raise self._beyond_calendar() from None

    def next_due(
        self, previous_due: datetime, fired_count: int, *, now: datetime | None = None
    ) -> datetime | None:
        previous_due, now = _check_progress(previous_due, fired_count, now)
        if self.repetitions is not None and fired_count >= self.repetitions:
            return None
        anchor, first_slot = (previous_due, 1) if self.start is None else (self.start, 0)
        try:
            slot = max(first_slot, _last_slot_at_or_before(anchor, self.period, previous_due) + 1)
            if now is not None:
                folded = _last_slot_at_or_before(anchor, self.period, now)
                slot = max(slot, folded if self.start is None else self._bounded(folded))
            if self.start is not None and self.repetitions is not None and slot >= self.repetitions:
                return None  # the last slot has been
            return self.period.after(anchor, slot)
        except OverflowError:
            raise self._beyond_calendar() from None

    def _bounded(self, slot: int) -> int:
        return slot if self.repetitions is None else min(slot, self.repetitions - 1)


def _last_slot_at_or_before(anchor: datetime, period: Duration, instant: datetime) -> int:
    """The largest k >= 0 with anchor + k * period <= instant, or -1 when instant < anchor."""
    if instant < anchor:
        return -1
    slot = (instant - anchor) // period.approximate_length()  # off by at most one or two
    while slot > 0 and not _slot_at_or_before(anchor, period, slot, instant):
        slot -= 1
    while _slot_at_or_before(anchor, period, slot + 1, instant):
        slot += 1
    return slot


def _slot_at_or_before(anchor: datetime, period: Duration, slot: int, instant: datetime) -> bool:
    try:
        return period.after(anchor, slot) <= instant
    except OverflowError:
        return False


def _utc(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC)


def _check_progress(
    previous_due: datetime, fired_count: int, now: datetime | None
) -> tuple[datetime, datetime | None]:
    if fired_count < 1:
        raise ValueError(f"fired_count counts the firings so far, including the last one; got {fired_count}")
    return _utc(previous_due, "previous_due"), None if now is None else _utc(now, "now")


@functools.lru_cache(maxsize=1024)
def parse_timer(kind: TimerKind, text: str) -> TimerSpec:
    """Read a BPMN timer definition; raises TimerSpecError naming what is wrong and where.

    Surrounding whitespace (common in XML text) is ignored and not kept in `str(spec)`.
    """
    if kind not in TIMER_KINDS:
        raise TimerSpecError(f"unknown timer kind '{kind}'; expected one of {', '.join(TIMER_KINDS)}")
    if not isinstance(text, str):
        raise TimerSpecError(f"a timer {kind} must be text, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise TimerSpecError(f"the timer {kind} is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise TimerSpecError(f"the timer {kind} is longer than {MAX_TEXT_LENGTH} characters")
    _refuse_other_kind(kind, text)
    if kind == "date":
        return DateTimer(text, parse_instant(Cursor(text)))
    if kind == "duration":
        return DurationTimer(text, parse_duration(Cursor(text)))
    return _parse_cycle(text)


def _refuse_other_kind(kind: TimerKind, text: str) -> None:
    """A definition written in the wrong BPMN element gets told so, not a character-level error."""
    if kind == "cycle":
        return  # a bare period or date gets the cycle parser's own "starts with R" hint
    looks_like: TimerKind | None = {"R": "cycle", "P": "duration"}.get(text[0])
    if looks_like is None and text[0].isdigit():
        looks_like = "date"
    if looks_like is not None and looks_like != kind:
        raise TimerSpecError(
            f"this looks like a timer {looks_like}, not a timer {kind}; "
            f"put it in a time{looks_like.capitalize()} element",
            text=text,
            position=0,
        )


def _parse_cycle(text: str) -> CycleTimer:
    cursor = Cursor(text)
    cursor.expect("R", "to start a cycle: R3/PT10M fires three times, R/PT10M without end")
    repetitions = _repetitions(cursor)
    cursor.expect("/", "after the repetitions, such as R3/PT10M")
    parts = _split(text, cursor.position)
    if len(parts) > 2:
        raise TimerSpecError(
            "a cycle has at most three parts: R<n>/<start>/<period>", text=text, position=parts[2][0] - 1
        )
    start = None
    if len(parts) == 2:
        first_at = parts[0][0]
        if text.startswith("P", first_at):
            raise TimerSpecError(
                "the form R<n>/<period>/<end> is not supported; "
                "give the start instead: R<n>/<start>/<period>",
                text=text,
                position=first_at,
            )
        start = parse_instant(Cursor(text, *parts[0]))
        if not text.startswith("P", parts[1][0]):
            raise TimerSpecError(
                "R<n>/<start>/<end> is not supported; the part after the start must be a period such as P1D",
                text=text,
                position=parts[1][0],
            )
    period_at = parts[-1][0]
    period = parse_duration(Cursor(text, *parts[-1]))
    if period.is_zero:
        raise TimerSpecError("the period of a cycle must be longer than zero", text=text, position=period_at)
    return CycleTimer(text, period, repetitions, start)


def _repetitions(cursor: Cursor) -> int | None:
    start = cursor.position
    digits = cursor.number()
    if not digits:
        if cursor.peek() not in ("/", ""):
            raise cursor.error(
                f"expected the number of repetitions or '/' after R, found {cursor.describe_next()}"
            )
        return None
    repetitions = int(digits)
    if repetitions == 0:
        raise cursor.error("R0 would never fire; give at least R1, or R for an unbounded cycle", start)
    if repetitions > MAX_REPETITIONS:
        raise cursor.error(f"at most {MAX_REPETITIONS} repetitions; write R/ for an unbounded cycle", start)
    return repetitions


def _split(text: str, start: int) -> list[tuple[int, int]]:
    """(start, stop) of each '/'-separated part from `start` on."""
    parts = []
    while (slash := text.find("/", start)) != -1:
        parts.append((start, slash))
        start = slash + 1
    parts.append((start, len(text)))
    return parts
