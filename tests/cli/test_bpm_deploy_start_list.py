"""`bpm deploy`, `bpm start` and `bpm list` against a configured database."""

from __future__ import annotations

from pathlib import Path

from tests.cli.bpm import EXAMPLES, bpm, sqlite_url, write_model


def test_it_deploys_starts_and_lists(tmp_path: Path) -> None:
    database = ("--database", sqlite_url(tmp_path / "bpm.sqlite3"))

    deployed = bpm("deploy", str(EXAMPLES / "order.bpmn"), *database, data_dir=tmp_path)
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout == "deployed order version 1 (definition 1)\n"
    again = bpm("deploy", str(EXAMPLES / "order.bpmn"), *database, data_dir=tmp_path)
    assert again.stdout == deployed.stdout  # identical XML: the same definition, not a new version

    started = bpm(
        "start", "order", "--var", "total=12", "--business-key", "A-7", *database, data_dir=tmp_path
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout == "started instance 1 of order v1 (running)\n"

    listed = bpm("list", *database, data_dir=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "Definitions:"
    assert lines[1].split() == ["KEY", "VERSION", "NAME", "RUNNING", "INSTANCES", "DEPLOYED"]
    assert lines[2].split()[:6] == ["order", "1", "Order", "fulfilment", "1", "1"]
    assert lines[3] == "Instances:"
    assert lines[5].split()[:6] == ["1", "order", "v1", "running", "A-7", "0"]


def test_it_refuses_to_start_a_process_that_is_not_deployed(tmp_path: Path) -> None:
    result = bpm("start", "nope", "--database", sqlite_url(tmp_path / "bpm.sqlite3"), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: no process with key 'nope' is deployed (deployed: none)\n"


def test_it_refuses_to_deploy_an_invalid_model(tmp_path: Path) -> None:
    model = write_model(tmp_path, '<bpmn:startEvent id="s"/><bpmn:task id="t"/>')
    result = bpm("deploy", str(model), "--database", sqlite_url(tmp_path / "bpm.sqlite3"), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {model}: line 4")
