"""bench/memory.py at tiny scale: worker memory at each checkpoint and database bytes per instance."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_it_samples_worker_memory_at_each_checkpoint_and_sizes_the_history(
    bench_database_url: str, run_bench
) -> None:
    result = run_bench(
        "memory.py",
        *("--database", bench_database_url, "--checkpoints", "10", "20", "--batch", "10", "--timeout", "90"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    header = "| completed instances | processes | worker RSS | worker peak RSS | peak vs first |"
    assert header in result.stdout
    assert "| 10 |" in result.stdout
    assert "| 20 |" in result.stdout
    assert "target: peak RSS flat within 10% from first to last checkpoint: " in result.stdout
    assert "(engine tables, 20 instances)" in result.stdout
    events_row = next(line for line in result.stdout.splitlines() if line.startswith("| engine_event |"))
    assert int(events_row.split("|")[2].strip().removesuffix(" B").replace(",", "")) > 0
    assert "| all engine tables |" in result.stdout
