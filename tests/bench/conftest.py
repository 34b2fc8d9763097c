"""Fixtures of the benchmark smoke tests: each benchmark script runs as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_database_url() -> Iterator[str]:
    """A database of the benchmark's own on the test PostgreSQL server, dropped afterwards."""
    import psycopg

    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    server = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    name = f"bpm_bench_smoke_{os.getpid()}"
    yield f"{server}/{name}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def run_bench() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `bench/<script>` with arguments from the repository root; its output is text."""

    def run(script: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, f"bench/{script}", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run
