"""`bpm run` on processes without a none start event: a timer start fires, in virtual time."""

from __future__ import annotations

from pathlib import Path

from tests.cli.bpm import EXAMPLES, run_json, write_model


def test_skip_timers_starts_a_timer_started_process_at_its_first_due_time(tmp_path: Path) -> None:
    # Without --skip-timers the run would wait for the next 02:00 UTC (and time out here).
    code, document, _ = run_json(
        str(EXAMPLES / "nightly-report.bpmn"), "--skip-timers", data_dir=tmp_path / "data"
    )
    assert code == 0
    assert document["status"] == "completed"
    assert document["completed_nodes"] == ["nightly", "writeReport", "announced"]
    assert document["variables"]["report"].strip() == "nightly report written"


def test_a_process_started_only_by_a_message_runs_as_if_its_message_arrived(tmp_path: Path) -> None:
    body = (
        '<bpmn:startEvent id="ordered"><bpmn:messageEventDefinition messageRef="order"/></bpmn:startEvent>'
        '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f" sourceRef="ordered" targetRef="e"/>'
    )
    path = write_model(tmp_path, body)
    path.write_text(
        path.read_text().replace("<bpmn:process", '<bpmn:message id="order" name="Order"/><bpmn:process')
    )
    code, document, _ = run_json(str(path), "--var", "orderId=A-1", data_dir=tmp_path / "data")
    assert code == 0
    assert (document["completed_nodes"], document["variables"]) == (["ordered", "e"], {"orderId": "A-1"})
