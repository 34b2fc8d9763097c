"""bench.common.tree_memory_kib: a worker process being replaced is not memory given back."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from .conftest import REPO

# A parent that, like django-q2's sentinel recycling a worker, keeps one child alive but
# replaces it every 0.3 s, with 0.1 s between the old child's end and the new one's start.
RECYCLING_PARENT = """
import subprocess, sys, time
while True:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    child.wait()
    time.sleep(0.1)
"""

# Reads the parent's tree `times` times with `samples` samples each and prints the readings.
# (Run from the repository root: in this test package, `bench` is tests/bench.)
READER = """
import json, sys, time
from bench.common import tree_memory_kib
pid, times, samples = (int(arg) for arg in sys.argv[1:])
readings = []
for _ in range(times):
    readings.append(tree_memory_kib(pid, samples=samples))
    time.sleep(0.01)
print(json.dumps(readings))
"""


@pytest.fixture
def recycling_parent() -> Iterator[int]:
    parent = subprocess.Popen([sys.executable, "-c", RECYCLING_PARENT])
    yield parent.pid
    parent.kill()
    parent.wait()


def read_tree(pid: int, *, times: int, samples: int) -> list[list[int]]:
    result = subprocess.run(
        [sys.executable, "-c", READER, str(pid), str(times), str(samples)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_every_reading_includes_the_child_being_replaced(recycling_parent: int) -> None:
    readings = read_tree(recycling_parent, times=2, samples=10)

    assert [processes for _, _, processes in readings] == [2, 2]
    assert all(peak >= current > 0 for peak, current, _ in readings)


def test_a_single_sample_sometimes_misses_it(recycling_parent: int) -> None:
    """Why the tree is sampled: one reading alone sees the gap now and then."""
    readings = read_tree(recycling_parent, times=200, samples=1)

    assert {processes for _, _, processes in readings} == {1, 2}
