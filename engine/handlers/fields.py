"""Reading handler fields: shared checks so every handler reports problems the same way."""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Iterable, Mapping

from engine.handlers.base import FieldValue

# Days, hours, minutes, seconds: the ISO-8601 durations that make sense for a time limit.
# Years and months have no fixed length, so they are refused rather than guessed.
_ISO_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?",
    re.IGNORECASE,
)


def unknown_field_problems(fields: Mapping[str, FieldValue], *, known: Iterable[str]) -> list[str]:
    """One problem per field name the handler does not understand (typos must not pass silently)."""
    known = tuple(known)
    listing = ", ".join(known) if known else "none"
    return [
        f"unknown field '{name}' (this handler accepts: {listing})" for name in fields if name not in known
    ]


def single_value(fields: Mapping[str, FieldValue], name: str) -> str | None:
    """The field as one string, None when absent; raises ValueError for a list of items."""
    value = fields.get(name)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"field '{name}' must be a single value, not a list of items")


def is_variable_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name not in {"true", "false", "null"}


def parse_seconds(text: str) -> float:
    """A positive duration: ISO-8601 (`PT30S`, `PT1M30S`, `P1D`) or plain seconds (`30`, `2.5`)."""
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = _iso_duration_seconds(text)
    if not math.isfinite(seconds):
        raise ValueError(f"'{text}' is not a duration; give a number of seconds or ISO-8601 such as PT30S")
    if seconds <= 0:
        raise ValueError(f"duration '{text}' must be more than zero seconds")
    return seconds


def _iso_duration_seconds(text: str) -> float:
    match = _ISO_DURATION.fullmatch(text)
    if match is None or not any(match.groupdict().values()) or text.upper().endswith("T"):
        raise ValueError(
            f"'{text}' is not a duration; use ISO-8601 such as PT30S, PT5M or P1D, or a number of seconds"
        )
    parts = {name: float((value or "0").replace(",", ".")) for name, value in match.groupdict().items()}
    return (
        parts["weeks"] * 604800
        + parts["days"] * 86400
        + parts["hours"] * 3600
        + parts["minutes"] * 60
        + parts["seconds"]
    )


def read_error_codes(raw: str | None, problems: list[str]) -> dict[int, str]:
    """The `errorCodes` field, `2=CARD_DECLINED, 3=OUT_OF_STOCK`: codes that throw BPMN errors.

    Shared by handlers whose outcome is a number (a CLI exit code, an HTTP status): a listed
    number is a business outcome the process models with an error boundary event, not a failure.
    """
    codes: dict[int, str] = {}
    for part in (raw or "").split(","):
        if not part.strip():
            continue
        number, _, error_code = part.partition("=")
        try:
            codes[int(number.strip())] = error_code.strip()
        except ValueError:
            problems.append(f"field 'errorCodes': '{part.strip()}' is not <number>=<BPMN error code>")
            continue
        if not error_code.strip():
            problems.append(f"field 'errorCodes': '{part.strip()}' names no BPMN error code")
    return codes
