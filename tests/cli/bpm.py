"""Running the real `bpm` command in a subprocess, and small BPMN files written for a test."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

BPMN_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">
"""


def bpm(*args: str, data_dir: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    """`bpm ARGS...` as a user would run it, with its data directory (and secret) in `data_dir`."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECRET_KEY"}}
    env.update(BPM_DATA_DIR=str(data_dir), PYTHONIOENCODING="utf-8", **extra_env)
    return subprocess.run(
        [sys.executable, "-m", "bpmportal.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )


def run_json(*args: str, data_dir: Path) -> tuple[int, dict[str, Any], str]:
    """`bpm run ARGS... --json`: the exit code, the one JSON document on stdout, and stderr."""
    result = bpm("run", *args, "--json", data_dir=data_dir)
    assert result.stdout.count("\n") == 1, f"expected exactly one line on stdout, got:\n{result.stdout}"
    return result.returncode, json.loads(result.stdout), result.stderr


def write_model(directory: Path, body: str, name: str = "model.bpmn") -> Path:
    """A BPMN file with one process `p` around `body` (no diagram: the engine does not need one)."""
    path = directory / name
    path.write_text(
        BPMN_HEADER + f'<bpmn:process id="p" isExecutable="true">{body}</bpmn:process>\n</bpmn:definitions>\n'
    )
    return path


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def count_rows(database: Path, table: str) -> int:
    """Rows in `table`, 0 when the file or the table does not exist."""
    if not database.exists():
        return 0
    with sqlite3.connect(database) as connection:
        exists = connection.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)).fetchone()[
            0
        ]
        if not exists:
            return 0
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
