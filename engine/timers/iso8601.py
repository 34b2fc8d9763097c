"""ISO-8601 instants and durations, read strictly, with calendar arithmetic in UTC.

Only the extended forms BPMN models use are read: `2026-01-01T09:30:00Z`, `...+02:00`, and
durations such as `PT10S` or `P1Y2M3DT4H5M6.5S`. Every refusal names the character at fault.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from engine.timers.errors import TimerSpecError

# The Gregorian calendar repeats every 400 years = 4800 months = 146097 days, so these averages
# are exact over long spans; they only estimate how many periods fit in a span.
_AVERAGE_MONTH = timedelta(days=146097) / 4800
_LONGEST_DURATION_YEARS = 1000
_FRACTION_DIGITS = 6  # datetime stores microseconds
_INSTANT_EXAMPLE = "2026-01-01T00:00:00Z"


class Cursor:
    """Reads `text[position:stop]` left to right; its errors point into the whole text."""

    def __init__(self, text: str, position: int = 0, stop: int | None = None) -> None:
        self.text = text
        self.position = position
        self.stop = len(text) if stop is None else stop

    def at_end(self) -> bool:
        return self.position >= self.stop

    def peek(self) -> str:
        return "" if self.at_end() else self.text[self.position]

    def error(self, message: str, position: int | None = None) -> TimerSpecError:
        return TimerSpecError(
            message, text=self.text, position=self.position if position is None else position
        )

    def describe_next(self) -> str:
        return "the end of the text" if self.at_end() else f"'{self.peek()}'"

    def take(self, allowed: str) -> str | None:
        """The next character if it is one of `allowed` (consumed), else None."""
        char = self.peek()
        if char and char in allowed:
            self.position += 1
            return char
        return None

    def expect(self, char: str, what: str) -> None:
        if self.take(char) is None:
            raise self.error(f"expected '{char}' {what}, found {self.describe_next()}")

    def digits(self, count: int, what: str) -> int:
        start = self.position
        while (
            self.position < min(start + count, self.stop)
            and self.text[self.position].isascii()
            and (self.text[self.position].isdigit())
        ):
            self.position += 1
        if self.position - start != count:
            raise self.error(f"expected {count} digits for the {what}, found {self.describe_next()}")
        return int(self.text[start : self.position])

    def number(self) -> str:
        """A run of ASCII digits, possibly empty."""
        start = self.position
        while not self.at_end() and self.peek().isascii() and self.peek().isdigit():
            self.position += 1
        return self.text[start : self.position]

    def fraction_microseconds(self) -> int:
        """After a '.' or ',' decimal sign: the digits, as microseconds."""
        start = self.position
        digits = self.number()
        if not digits:
            raise self.error(f"expected digits after the decimal sign, found {self.describe_next()}")
        if len(digits) > _FRACTION_DIGITS:
            raise self.error(
                f"at most {_FRACTION_DIGITS} decimal places (microseconds)", start + _FRACTION_DIGITS
            )
        return int(digits.ljust(_FRACTION_DIGITS, "0"))


def parse_instant(cursor: Cursor) -> datetime:
    """`YYYY-MM-DDThh:mm[:ss[.ffffff]]` then `Z` or an offset; returned in UTC."""
    start = cursor.position
    year = cursor.digits(4, "year")
    if year == 0:
        raise cursor.error("year 0000 does not exist", start)
    cursor.expect("-", "after the year")
    month_at = cursor.position
    month = cursor.digits(2, "month")
    if not 1 <= month <= 12:
        raise cursor.error(f"month {month:02d} does not exist (01 to 12)", month_at)
    cursor.expect("-", "after the month")
    day_at = cursor.position
    day = cursor.digits(2, "day")
    last_day = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last_day:
        raise cursor.error(
            f"day {day:02d} does not exist in {year:04d}-{month:02d} (01 to {last_day})", day_at
        )
    if cursor.at_end():
        raise cursor.error(
            f"a date without a time and timezone is ambiguous; give an instant such as {_INSTANT_EXAMPLE}"
        )
    if cursor.take("Tt") is None:
        raise cursor.error(f"expected 'T' between the date and the time, found {cursor.describe_next()}")
    hour, minute, second, microsecond = _time_of_day(cursor)
    if cursor.at_end():
        raise cursor.error(
            "a time without a timezone is ambiguous; add Z for UTC or an offset such as +02:00"
        )
    offset = _utc_offset(cursor)
    if not cursor.at_end():
        raise cursor.error(f"unexpected '{cursor.peek()}' after the timezone")
    local = datetime(year, month, day, hour, minute, second, microsecond, tzinfo=offset)
    try:
        return local.astimezone(UTC)
    except OverflowError:
        raise cursor.error("the instant falls outside the years 0001 to 9999 in UTC", start) from None


def _time_of_day(cursor: Cursor) -> tuple[int, int, int, int]:
    hour_at = cursor.position
    hour = cursor.digits(2, "hour")
    if hour > 23:
        raise cursor.error(f"hour {hour} does not exist (00 to 23)", hour_at)
    cursor.expect(":", "after the hour")
    minute_at = cursor.position
    minute = cursor.digits(2, "minute")
    if minute > 59:
        raise cursor.error(f"minute {minute} does not exist (00 to 59)", minute_at)
    second = microsecond = 0
    if cursor.take(":"):
        second_at = cursor.position
        second = cursor.digits(2, "second")
        if second > 59:
            raise cursor.error(
                f"second {second} does not exist (00 to 59; leap seconds are not supported)", second_at
            )
        if cursor.take(".,"):
            microsecond = cursor.fraction_microseconds()
    return hour, minute, second, microsecond


def _utc_offset(cursor: Cursor) -> timezone:
    if cursor.take("Zz"):
        return UTC
    sign = cursor.take("+-")
    if sign is None:
        raise cursor.error(
            f"expected Z or an offset such as +02:00 after the time, found {cursor.describe_next()}"
        )
    hours_at = cursor.position
    hours = cursor.digits(2, "offset hours")
    if hours > 23:
        raise cursor.error(f"offset hours {hours} out of range (00 to 23)", hours_at)
    minutes = 0
    if not cursor.at_end():
        cursor.take(":")
        minutes_at = cursor.position
        minutes = cursor.digits(2, "offset minutes")
        if minutes > 59:
            raise cursor.error(f"offset minutes {minutes} out of range (00 to 59)", minutes_at)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if sign == "-" else offset)


@dataclass(frozen=True)
class Duration:
    """A duration split the way the calendar needs it: whole months, and an exact remainder.

    Years and months are calendar arithmetic (Jan 31 + 1 month = Feb 28 or 29); weeks, days,
    hours, minutes and seconds are exact (a day is 24 hours: everything here is UTC).
    """

    months: int
    exact: timedelta

    @property
    def is_zero(self) -> bool:
        return self.months == 0 and not self.exact

    def approximate_length(self) -> timedelta:
        """Months counted at their Gregorian average: for estimates only, never for due times."""
        return _AVERAGE_MONTH * self.months + self.exact

    def after(self, instant: datetime, times: int = 1) -> datetime:
        """`instant` + `times` * this duration, months first (clamped to the month's end), then
        the exact part. Counting from one anchor keeps month ends: Jan 31, Feb 28, Mar 31.
        Raises OverflowError past year 9999."""
        shifted = _add_months(instant, self.months * times) if self.months else instant
        return shifted + self.exact * times


def _add_months(instant: datetime, months: int) -> datetime:
    year, month_index = divmod(instant.year * 12 + instant.month - 1 + months, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    month = month_index + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


_DATE_UNITS = "YMWD"
_TIME_UNITS = "HMS"
_UNIT_NAMES = {"Y": "years", "M": "months", "W": "weeks", "D": "days", "H": "hours", "S": "seconds"}


def parse_duration(cursor: Cursor) -> Duration:
    """`P[nY][nM][nW][nD][T[nH][nM][n[.f]S]]`, at least one part, fraction on seconds only."""
    start = cursor.position
    if cursor.peek() == "-":
        raise cursor.error("negative durations are not allowed")
    if cursor.take("P") is None:
        raise cursor.error(f"a duration starts with P (such as PT10S or P1D), found {cursor.describe_next()}")
    values = dict.fromkeys("YMWD", 0)
    hours = minutes = 0
    microseconds = 0
    units = _DATE_UNITS
    in_time = False
    seen_any = False
    while not cursor.at_end():
        if cursor.peek() == "T" and not in_time:
            cursor.position += 1
            in_time, units = True, _TIME_UNITS
            if cursor.at_end():
                raise cursor.error("expected hours, minutes or seconds after T, such as PT10M")
            continue
        number_at = cursor.position
        number = cursor.number()
        if not number:
            raise cursor.error(f"expected a number, found {cursor.describe_next()}")
        fraction = cursor.fraction_microseconds() if cursor.take(".,") else None
        unit_at = cursor.position
        unit = cursor.peek()
        if not unit or unit not in units:
            raise cursor.error(_unit_problem(unit, units, in_time), unit_at)
        cursor.position += 1
        units = units[units.index(unit) + 1 :]  # each unit at most once, biggest first
        if fraction is not None and not (in_time and unit == "S"):
            raise cursor.error("only seconds may have a decimal fraction", number_at)
        if in_time:
            if unit == "H":
                hours = int(number)
            elif unit == "M":
                minutes = int(number)
            else:
                microseconds = int(number) * 1_000_000 + (fraction or 0)
        else:
            values[unit] = int(number)
        seen_any = True
    if not seen_any:
        raise cursor.error("expected at least one number and unit after P, such as PT10S or P1D")
    duration = _checked_duration(cursor, start, values, hours, minutes, microseconds)
    return duration


def _unit_problem(unit: str, expected: str, in_time: bool) -> str:
    found = "the end of the text" if not unit else f"'{unit}'"
    if not in_time and unit in ("H", "S"):
        return f"hours, minutes and seconds come after T (such as PT1H); found {found}"
    if not expected:
        last = "seconds" if in_time else "days"
        return f"unexpected {found} after {last} (units go largest first, once each)"
    listing = ", ".join(expected)
    return f"expected a unit ({listing}) after the number, found {found} (units go largest first, once each)"


def _checked_duration(
    cursor: Cursor, start: int, values: dict[str, int], hours: int, minutes: int, microseconds: int
) -> Duration:
    years = values["Y"] + values["M"] / 12
    days = values["W"] * 7 + values["D"] + (hours * 3600 + minutes * 60 + microseconds / 1_000_000) / 86400
    if years + days / 365.2425 > _LONGEST_DURATION_YEARS:
        raise cursor.error(f"the duration is longer than {_LONGEST_DURATION_YEARS} years", start)
    exact = timedelta(
        weeks=values["W"], days=values["D"], hours=hours, minutes=minutes, microseconds=microseconds
    )
    return Duration(months=values["Y"] * 12 + values["M"], exact=exact)
