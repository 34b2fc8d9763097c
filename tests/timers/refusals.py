"""Shortcut for the timer tests: the error a definition is refused with."""

from __future__ import annotations

import pytest

from engine.timers import TimerKind, TimerSpecError, parse_timer


def refusal(kind: TimerKind, text: str) -> TimerSpecError:
    with pytest.raises(TimerSpecError) as caught:
        parse_timer(kind, text)
    return caught.value
