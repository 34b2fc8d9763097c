"""bench/sqlite_floor.py at tiny scale: it writes the rows a real start wrote and prints the floor."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_it_prints_the_floor_of_one_start_from_the_rows_a_real_start_wrote(run_bench) -> None:
    result = run_bench("sqlite_floor.py", "--instances", "20")

    assert result.returncode == 0, result.stdout + result.stderr
    # The row counts come from the instance the script started: the model's 25 events.
    assert "raw sqlite3: instance row, 25 event, 10 token, 1 joinfiring, commit" in result.stdout
    times = [float(ms) for ms in re.findall(r"\| ([0-9.]+) ms \|", result.stdout)]
    assert len(times) == 3 and all(t > 0 for t in times)
    assert times[2] == pytest.approx(times[0] + times[1], abs=0.002)
