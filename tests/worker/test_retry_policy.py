"""Reading a task's retry policy: ISO-8601 cycles, the default backoff, and clear refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.store.retry import DEFAULT_POLICY, RetryPolicy, parse_retry_policy


def test_it_reads_a_cycle_as_retries_after_the_first_attempt() -> None:
    policy = parse_retry_policy("R3/PT10S")

    assert policy == RetryPolicy(max_attempts=4, interval=timedelta(seconds=10))
    assert [policy.delay_after(n) for n in (1, 2, 3)] == [timedelta(seconds=10)] * 3
    assert [policy.has_attempts_left(n) for n in (1, 3, 4)] == [True, True, False]


@pytest.mark.parametrize(
    ("text", "attempts", "seconds"),
    [
        ("R0/PT1S", 1, 1),
        ("r2/pt1m30s", 3, 90),
        ("R1/P1D", 2, 86400),
        ("R5/PT0.5S", 6, 0.5),
        (" R1/PT2S ", 2, 2),
    ],
)
def test_it_reads_counts_and_durations(text: str, attempts: int, seconds: float) -> None:
    assert parse_retry_policy(text) == RetryPolicy(attempts, timedelta(seconds=seconds))


@pytest.mark.parametrize("text", [None, "", "  "])
def test_it_uses_three_attempts_with_exponential_backoff_by_default(text: str | None) -> None:
    policy = parse_retry_policy(text)

    assert policy is DEFAULT_POLICY
    assert policy.max_attempts == 3
    assert [policy.delay_after(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert policy.delay_after(30) == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3", "not an ISO-8601 retry cycle such as R3/PT10S"),
        ("R/PT10S", "not an ISO-8601 retry cycle"),
        ("R3", "not an ISO-8601 retry cycle"),
        ("R3/10 seconds", "not an ISO-8601 retry cycle"),
        ("R3/PT", "retry policy 'R3/PT': 'PT' is not a duration"),
        ("R3/PT0S", "must be more than zero seconds"),
    ],
)
def test_it_refuses_a_malformed_policy_naming_it(text: str, message: str) -> None:
    with pytest.raises(ValueError, match="retry policy") as error:
        parse_retry_policy(text)

    assert message in str(error.value)
