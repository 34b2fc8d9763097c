"""`bpm run` then `bpm verify` on a model whose error event subprocess runs: the log replays."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.bpm import bpm, sqlite_url

MODEL = Path(__file__).resolve().parents[1] / "models" / "bpmn" / "70-event-subprocess-error.bpmn"


def test_bpm_verify_replays_an_instance_an_event_subprocess_interrupted(tmp_path: Path) -> None:
    database = sqlite_url(tmp_path / "bpm.sqlite3")
    run = bpm("run", str(MODEL), "--var", "amount=500", "--database", database, "--json", data_dir=tmp_path)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout.splitlines()[-1])
    assert report["status"] == "completed"
    assert report["variables"]["failure"] == "CARD_DECLINED"

    verified = bpm("verify", "--database", database, data_dir=tmp_path)

    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.splitlines()[-1] == "1 instance checked, 0 with problems"
