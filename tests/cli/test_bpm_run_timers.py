"""`bpm run` with timers: real waiting by default, virtual time with --skip-timers."""

from __future__ import annotations

import time
from pathlib import Path

from tests.cli.bpm import run_json, write_model


def timer(node_id: str, duration: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{node_id}"><bpmn:timerEventDefinition>'
        f"<bpmn:timeDuration>{duration}</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:intermediateCatchEvent>"
    )


def flows(*pairs: tuple[str, str]) -> str:
    return "".join(
        f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>' for i, (a, b) in enumerate(pairs)
    )


RACE = (
    '<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/>'
    + timer("a_wait", "PT2H")
    + '<bpmn:task id="a_done"/>'
    + timer("b_wait1", "PT1H")
    + '<bpmn:task id="b1"/>'
    + timer("b_wait2", "PT90M")
    + '<bpmn:task id="b2"/><bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
    + flows(
        ("start", "fork"),
        ("fork", "a_wait"),
        ("fork", "b_wait1"),
        ("a_wait", "a_done"),
        ("a_done", "join"),
        ("b_wait1", "b1"),
        ("b1", "b_wait2"),
        ("b_wait2", "b2"),
        ("b2", "join"),
        ("join", "end"),
    )
)


def test_skip_timers_fires_timers_in_the_order_real_time_would(tmp_path: Path) -> None:
    started = time.monotonic()
    code, document, _ = run_json(str(write_model(tmp_path, RACE)), "--skip-timers", data_dir=tmp_path)
    assert code == 0
    assert document["status"] == "completed"
    # b1 after 1 h, a after 2 h, b2 after 1 h + 90 min: each timer counts from the virtual time
    # at which it was armed, not from the real time of the run.
    assert document["completed_nodes"] == [
        "start", "fork", "b_wait1", "b1", "a_wait", "a_done", "b_wait2", "b2", "join", "end",
    ]  # fmt: skip
    assert time.monotonic() - started < 30


def test_without_skip_timers_it_waits_for_a_timer_in_real_time(tmp_path: Path) -> None:
    model = write_model(
        tmp_path,
        '<bpmn:startEvent id="start"/>'
        + timer("pause", "PT2S")
        + '<bpmn:endEvent id="end"/>'
        + flows(("start", "pause"), ("pause", "end")),
    )
    started = time.monotonic()
    code, document, _ = run_json(str(model), data_dir=tmp_path)
    assert code == 0
    assert document["completed_nodes"] == ["start", "pause", "end"]
    assert time.monotonic() - started >= 2


def test_skip_timers_runs_the_service_tasks_that_come_after_a_timer(tmp_path: Path) -> None:
    model = write_model(
        tmp_path,
        '<bpmn:startEvent id="start"/>'
        + timer("later", "PT1H")
        + '<bpmn:serviceTask id="work" bpm:type="noop"/><bpmn:endEvent id="end"/>'
        + flows(("start", "later"), ("later", "work"), ("work", "end")),
    )
    code, document, _ = run_json(str(model), "--skip-timers", data_dir=tmp_path)
    assert (code, document["completed_nodes"]) == (0, ["start", "later", "work", "end"])
