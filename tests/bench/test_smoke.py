"""The crash harness (bench/crash_harness.py) in a tiny configuration: it runs and its invariants hold."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def harness_database_url() -> Iterator[str]:
    """A database of the harness's own on the test PostgreSQL server, dropped afterwards."""
    import psycopg

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    server = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = f"bpm_crash_smoke_{os.getpid()}"
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_it_survives_killed_workers_with_every_invariant_holding(harness_database_url: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "bench/crash_harness.py",
            "--database",
            harness_database_url,
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
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "| instances completed / started | 10 / 10 (100.0 %) | ok |" in result.stdout
    assert "| workers SIGKILLed (and restarted) | 2 |" in result.stdout
