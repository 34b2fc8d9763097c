"""to_json / from_json / str: what the parsed graph stores and shows."""

from __future__ import annotations

import json

import pytest

from engine.timers import TimerKind, TimerSpec, TimerSpecError, parse_timer


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        ("date", "2026-01-01T00:00:00+02:00"),
        ("duration", "P1Y2M3DT4H5M6.5S"),
        ("cycle", "R3/PT10M"),
        ("cycle", "R/2026-01-01T00:00:00Z/P1D"),
    ],
)
def test_it_round_trips_through_json(kind: TimerKind, text: str) -> None:
    spec = parse_timer(kind, text)
    stored = json.loads(json.dumps(spec.to_json()))
    assert stored == {"kind": kind, "text": text}
    assert TimerSpec.from_json(stored) == spec
    assert str(spec) == text


def test_it_shows_the_text_without_surrounding_whitespace() -> None:
    assert str(parse_timer("duration", "\n    PT10S\n  ")) == "PT10S"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "cycle"}, "a stored timer needs string 'kind' and 'text'"),
        ({"kind": 1, "text": "PT1S"}, "a stored timer needs string 'kind' and 'text'"),
        ({"kind": "cycle", "text": "R0/PT1S"}, "R0 would never fire"),
        ({"kind": "soon", "text": "PT1S"}, "unknown timer kind 'soon'"),
    ],
)
def test_it_refuses_stored_json_that_is_not_a_timer(data: dict[str, object], message: str) -> None:
    with pytest.raises(TimerSpecError, match=message):
        TimerSpec.from_json(data)
