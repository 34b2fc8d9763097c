"""bench/sqlite_floor.py at tiny scale: it writes the rows a real start wrote and prints the floor."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_it_prints_the_floor_of_one_start_from_the_rows_a_real_start_wrote(run_bench) -> None:
    result = run_bench("sqlite_floor.py", "--instances", "20")

    assert result.returncode == 0, result.stdout + result.stderr
    # The row counts come from the instance the script started: the model's 25 events, and what
    # the data-model changes discussed in docs/BENCHMARKS.md would leave of them.
    assert "as stored now: instance row, 25 event, 10 token, 1 joinfiring, commit" in result.stdout
    assert "without token rows: instance row, 25 event, 0 token, 1 joinfiring" in result.stdout
    assert "one event per step: instance row, 10 event, 0 token, 1 joinfiring" in result.stdout
    times = [float(ms) for ms in re.findall(r"\| ([0-9.]+) ms \|", result.stdout)]
    assert len(times) == 7 and all(t > 0 for t in times)
    kernel = times[1]
    for writes, total in ((times[0], times[2]), (times[3], times[4]), (times[5], times[6])):
        assert total == pytest.approx(writes + kernel, abs=0.002)
