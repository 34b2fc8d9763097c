"""bench/async_throughput.py at tiny scale: real workers complete every instance, the table is printed."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_it_completes_every_instance_with_the_orm_broker_and_with_redis(
    bench_database_url: str, run_bench
) -> None:
    result = run_bench(
        "async_throughput.py",
        *("--database", bench_database_url, "--instances", "10", "--queue", "django-q", "redis"),
        *("--workers", "1", "--timeout", "90", "--json"),
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "| queue | workers | completed correctly | started/s | completed/s | p50 start-to-end | p99 |"
        in result.stdout
    )
    assert "| django-q | 1 | 10 / 10 |" in result.stdout
    assert "| redis | 1 | 10 / 10 |" in result.stdout
    assert "target: >= 250 completed/s with p99 < 500 ms" in result.stdout
    for measured in json.loads(result.stdout.strip().splitlines()[-1]):
        assert measured["completed_per_second"] > 0
        assert 0 < measured["p50_ms"] <= measured["p99_ms"]
        assert measured["worker_peak_rss_kib"] > 20 * 1024  # a Python process with Django loaded


def test_it_runs_several_worker_processes_polling_the_job_table(bench_database_url: str, run_bench) -> None:
    result = run_bench(
        "async_throughput.py",
        *("--database", bench_database_url, "--instances", "10", "--queue", "threads", "--workers", "2"),
        *("--rate", "20", "--timeout", "90"),
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "started at 20/s" in result.stdout
    assert "| threads | 2 | 10 / 10 |" in result.stdout
