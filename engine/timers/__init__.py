"""ISO-8601 timer arithmetic for BPMN timer events: pure, clock-free, UTC in and out.

    spec = parse_timer("cycle", "R3/PT10M")
    due = spec.first_due(now)                  # store due and spec.to_json()
    due = spec.next_due(due, fired_count=1)    # None once the cycle is done

See docs/timers.md for the accepted forms and the exact semantics.
"""

from engine.timers.errors import TimerSpecError
from engine.timers.iso8601 import Duration
from engine.timers.spec import (
    MAX_REPETITIONS,
    MAX_TEXT_LENGTH,
    TIMER_KINDS,
    CycleTimer,
    DateTimer,
    DurationTimer,
    TimerKind,
    TimerSpec,
    parse_timer,
)

__all__ = [
    "MAX_REPETITIONS",
    "MAX_TEXT_LENGTH",
    "TIMER_KINDS",
    "CycleTimer",
    "DateTimer",
    "Duration",
    "DurationTimer",
    "TimerKind",
    "TimerSpec",
    "TimerSpecError",
    "parse_timer",
]
