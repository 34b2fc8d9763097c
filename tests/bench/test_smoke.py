"""The crash harness (bench/crash_harness.py) in a tiny configuration: it runs and its invariants hold."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_it_survives_killed_workers_with_every_invariant_holding(bench_database_url: str, run_bench) -> None:
    result = run_bench(
        "crash_harness.py",
        *[
            "--database",
            bench_database_url,
            "--instances",
            "10",
            "--workers",
            "1",
            "--max-kills",
            "2",
            "--kill-every",
            "0.3",
            "--kill-seconds",
            "20",
            "--timeout",
            "60",
            "--seed",
            "1",
        ],
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "| instances completed / started | 10 / 10 (100.0 %) | ok |" in result.stdout
    assert "| workers SIGKILLed (and restarted) | 2 |" in result.stdout
