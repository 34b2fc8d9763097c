"""`bpm verify`: the event log's hash chain and replay, checked on a real database file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.bpm import EXAMPLES, bpm, sqlite_url


def run_hello(database: Path, data_dir: Path) -> None:
    result = bpm(
        "run",
        str(EXAMPLES / "hello.bpmn"),
        "--var",
        "name=World",
        "--database",
        sqlite_url(database),
        "--json",
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr


def test_it_confirms_intact_instances_and_detects_a_tampered_event(tmp_path: Path) -> None:
    database = tmp_path / "bpm.sqlite3"
    run_hello(database, tmp_path)
    run_hello(database, tmp_path)

    intact = bpm("verify", "--database", sqlite_url(database), data_dir=tmp_path)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.splitlines()[0].startswith("instance 1 (hello v1): OK (")
    assert intact.stdout.splitlines()[-1] == "2 instances checked, 0 with problems"

    # Someone rewrites history behind the engine's back: the first instance started for Mallory.
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE engine_event SET payload = ? WHERE instance_id = 1 AND seq = 1",
            (json.dumps({"variables": {"name": "Mallory"}}),),
        )

    tampered = bpm("verify", "--database", sqlite_url(database), data_dir=tmp_path)
    assert tampered.returncode == 1
    lines = tampered.stdout.splitlines()
    assert lines[0].startswith("instance 1 (hello v1): ")
    assert any(line.startswith("    seq 1:") for line in lines)
    assert any(line.startswith("instance 2 (hello v1): OK") for line in lines)
    assert lines[-1] == "2 instances checked, 1 with problems"

    only_second = bpm("verify", "2", "--database", sqlite_url(database), data_dir=tmp_path)
    assert only_second.returncode == 0
    assert only_second.stdout.splitlines()[-1] == "1 instance checked, 0 with problems"


def test_it_says_when_an_instance_does_not_exist(tmp_path: Path) -> None:
    result = bpm("verify", "41", "--database", sqlite_url(tmp_path / "bpm.sqlite3"), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: no instance with id 41\n"
