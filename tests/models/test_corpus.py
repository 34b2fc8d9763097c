"""The model corpus runs as BPMN 2.0 says, on the real store, and every run replays exactly.

Each case in tests/models/expectations.py deploys its model from tests/models/bpmn, runs it
with `run_local` (the driver behind `bpm run`) and checks the path, status, waiting tasks,
incidents and final variables. Then the instance's stored event log is replayed through the
kernel: it must rebuild the stored state exactly, and `verify_instance` must find nothing.

The shared conformance corpus (../shared/corpus, or BPM_CORPUS_DIR) is run too: every process
the engine accepts is started, its user tasks completed with no variables, and its log
replayed. Processes the engine refuses are not collected here; tests/bpmn checks refusals.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from engine.bpmn import BpmnError, list_processes, parse_bpmn
from engine.bpmn.graph import NodeKind
from engine.runtime import replay
from engine.runtime.events import Event as KernelEvent
from engine.services import deploy
from engine.services.local_run import RunReport, run_local
from engine.store.models import Event, ProcessInstance
from engine.store.verify import verify_instance
from tests.models.expectations import CASES, Case

MODELS = Path(__file__).resolve().parent / "bpmn"
REPO = Path(__file__).resolve().parents[2]
SHARED_CORPUS = Path(os.environ.get("BPM_CORPUS_DIR") or REPO.parent / "shared" / "corpus")


def model_xml(name: str) -> bytes:
    return (MODELS / f"{name}.bpmn").read_bytes()


def outcome(report: RunReport) -> dict[str, Any]:
    """What a user sees of a run, in one dict so a mismatch shows every difference at once."""
    return {
        "status": report.status,
        "path": report.completed_nodes,
        "waiting_on": report.waiting_on,
        "incident_nodes": [incident.node for incident in report.incidents],
        "variables": report.variables,
    }


def expected_outcome(case: Case) -> dict[str, Any]:
    return {
        "status": case.status,
        "path": case.path,
        "waiting_on": case.waiting_on,
        "incident_nodes": case.incident_nodes,
        "variables": case.final_variables,
    }


def assert_replay_rebuilds_the_stored_state(instance_id: int) -> None:
    instance = ProcessInstance.objects.get(pk=instance_id)
    events = [
        KernelEvent.from_json(
            {"type": row.type, "node": row.node_id, "token": row.token_id, "data": row.payload}
        )
        for row in Event.objects.filter(instance=instance).order_by("seq")
    ]
    assert events, "the instance recorded no events"
    assert replay(events).to_json() == instance.state
    assert verify_instance(instance) == []


@pytest.mark.django_db
def test_it_has_cases_for_every_model_and_a_model_for_every_case() -> None:
    files = {path.stem for path in MODELS.glob("*.bpmn")}
    assert len(files) >= 35
    assert {case.model for case in CASES} == files
    assert len({case.id for case in CASES}) == len(CASES), "case names repeat within a model"


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_it_runs_the_model_as_bpmn_says(case: Case) -> None:
    definition = deploy(model_xml(case.model))
    report = run_local(definition=definition, variables=case.variables, complete=case.complete)

    assert outcome(report) == expected_outcome(case)
    for incident in report.incidents:
        assert f"'{incident.node}'" in incident.error, "an incident's message names its node"
    assert_replay_rebuilds_the_stored_state(report.instance_id)


def accepted_shared_processes() -> list[pytest.param]:
    """(file, process id) for every process of the shared corpus that the engine accepts."""
    params = []
    for path in sorted(SHARED_CORPUS.rglob("*.bpmn")):
        xml = path.read_bytes()
        try:
            processes = list_processes(xml)
        except BpmnError:
            continue
        for process in processes:
            try:
                parse_bpmn(xml, process_id=process.id)
            except BpmnError:
                continue
            label = f"{path.relative_to(SHARED_CORPUS)}#{process.id}"
            params.append(pytest.param(path, process.id, id=label))
    return params


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "process_id"), accepted_shared_processes())
def test_it_runs_and_replays_every_accepted_shared_model(path: Path, process_id: str) -> None:
    xml = path.read_bytes()
    graph = parse_bpmn(xml, process_id=process_id)
    user_tasks = {node.id: {} for node in graph.nodes.values() if node.kind is NodeKind.USER_TASK}

    report = run_local(definition=deploy(xml, process_id=process_id), complete=user_tasks)

    assert report.status in {"completed", "terminated", "failed", "waiting"}
    assert report.completed_nodes, "at least the start event completes"
    assert_replay_rebuilds_the_stored_state(report.instance_id)
