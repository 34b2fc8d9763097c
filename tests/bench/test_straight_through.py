"""bench/straight_through.py at tiny scale: it runs, prints its table, and its checks catch wrong results."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODEL = REPO / "bench" / "straight_through.bpmn"
SPIFF_PYTHON = REPO / ".venv-bench" / "bin" / "python"
needs_spiff = pytest.mark.skipif(
    not SPIFF_PYTHON.exists(),
    reason="the SpiffWorkflow benchmark environment .venv-bench is absent (create it with `make bench-env`; "
    "the smoke test installs nothing)",
)
pytestmark = pytest.mark.slow


def wrong_model(tmp_path: Path) -> Path:
    """The benchmark model with one script computing something else than the checks expect."""
    path = tmp_path / "wrong.bpmn"
    path.write_text(MODEL.read_text().replace("right = doubled * 3", "right = doubled * 3 + 1"))
    return path


@pytest.mark.postgres
def test_it_runs_bpmportal_on_sqlite_and_postgresql_with_full_history(
    bench_database_url: str, run_bench
) -> None:
    result = run_bench(
        "straight_through.py",
        *("--database", bench_database_url, "--only", "sqlite", "--only", "postgres"),
        *("--instances", "8", "--warmup", "2", "--json"),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "| engine | completed correctly | instances/s | p50 | p99 | peak RSS | vs SpiffWorkflow |"
        in result.stdout
    )
    assert "| bpmportal, SQLite | 8 / 8 |" in result.stdout
    assert "| bpmportal, PostgreSQL | 8 / 8 |" in result.stdout
    results = json.loads(result.stdout.strip().splitlines()[-1])
    assert [r["engine"] for r in results] == ["bpmportal, SQLite", "bpmportal, PostgreSQL"]
    for measured in results:
        assert measured["history_verified"] == 8
        assert measured["history_broken"] == {}
        # Full history: every token's arrival and completion, not just the instance's start and end.
        assert measured["events_per_instance"] > 15
        assert measured["instances_per_second"] > 0
        assert 0 < measured["p50_ms"] <= measured["p99_ms"]


def test_it_fails_when_the_instances_end_with_wrong_variables(tmp_path: Path, run_bench) -> None:
    result = run_bench(
        "straight_through.py",
        *("--only", "sqlite", "--model", str(wrong_model(tmp_path)), "--instances", "5", "--warmup", "0"),
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "| bpmportal, SQLite | 0 / 5 |" in result.stdout
    assert "FAIL bpmportal, SQLite: wrong instances" in result.stdout


@needs_spiff
def test_it_compares_with_spiffworkflow_running_the_same_file(run_bench) -> None:
    result = run_bench("straight_through.py", "--only", "sqlite", "--only", "spiff", "--instances", "8")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "| SpiffWorkflow 3.2.0 | 8 / 8 |" in result.stdout
    assert "| 1.00x |" in result.stdout
    assert "target: bpmportal on SQLite >= 2x SpiffWorkflow in memory: " in result.stdout


@needs_spiff
def test_the_spiff_runner_checks_every_instance(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(SPIFF_PYTHON),
            "bench/spiff_runner.py",
            "--model",
            str(wrong_model(tmp_path)),
            "--instances",
            "5",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    measured = json.loads(result.stdout)
    assert measured["completed_correctly"] == 0
    assert measured["wrong"] == [0, 1, 2, 3, 4]
