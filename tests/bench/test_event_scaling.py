"""bench/event_scaling.py at tiny scale: the history is seeded to each level, then instances are timed."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_it_times_instances_at_each_level_of_stored_events(bench_database_url: str, run_bench) -> None:
    result = run_bench(
        "event_scaling.py",
        *("--database", bench_database_url, "--levels", "200", "1000", "--instances", "5", "--warmup", "1"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split("|")[1:-1] for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == 2
    for level, row in zip((200, 1000), rows, strict=True):
        stored = int(row[0].strip().replace(",", ""))
        assert level <= stored < level + 200
        assert row[2].strip() == "5 / 5"
