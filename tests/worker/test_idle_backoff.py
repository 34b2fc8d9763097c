"""How soon a threads worker with idle executors looks for due jobs again."""

from __future__ import annotations

from engine.worker.loop import IdleBackoff


def test_right_after_work_it_looks_again_within_milliseconds_then_ever_less_often() -> None:
    backoff = IdleBackoff(first=0.005, longest=0.5)

    waits = [backoff.next_wait() for _ in range(10)]

    assert waits[:4] == [0.005, 0.01, 0.02, 0.04]
    assert waits == sorted(waits) and max(waits) == 0.5 and waits[-3:] == [0.5, 0.5, 0.5]


def test_finding_work_makes_the_next_look_quick_again() -> None:
    backoff = IdleBackoff(first=0.005, longest=0.5)
    for _ in range(20):
        backoff.next_wait()

    backoff.found_work()

    assert backoff.next_wait() == 0.005
