"""run_pending_jobs: the in-process executor of `bpm run`; handlers run outside any transaction."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.handlers.registry import ENTRY_POINT_GROUP, reload_handlers
from engine.services import deploy, run_pending_jobs, start_instance
from engine.store.models import Incident, Job, ProcessInstance
from engine.store.verify import verify_instance
from tests.services.models import document, flow, service_chain_process

pytestmark = pytest.mark.django_db

PLUGIN_MODULE = "bpm_test_exploding_handler"


def test_it_runs_every_job_in_order_until_the_instance_rests() -> None:
    instance = start_instance(definition=deploy(service_chain_process(command="echo checked")))

    ran = run_pending_jobs(instance_id=instance.pk)

    instance.refresh_from_db()
    assert ran == 2
    assert instance.status == "completed"
    assert instance.variables == {"greeting": "hello", "checked": "checked"}
    assert list(
        Job.objects.filter(instance=instance).order_by("pk").values_list("node_id", "status", "attempts")
    ) == [
        ("greet", "completed", 1),
        ("check", "completed", 1),
    ]
    assert verify_instance(instance) == []


def test_it_stops_after_the_limit() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))

    assert run_pending_jobs(instance_id=instance.pk, limit=1) == 1
    assert Job.objects.get(instance=instance, status="pending").node_id == "check"


def test_it_runs_only_the_jobs_of_the_given_instance() -> None:
    definition = deploy(service_chain_process())
    mine, other = start_instance(definition=definition), start_instance(definition=definition)

    run_pending_jobs(instance_id=mine.pk)

    assert Job.objects.get(instance=other).status == "pending"


def test_it_turns_a_handler_error_into_an_incident_with_its_details() -> None:
    instance = start_instance(definition=deploy(service_chain_process(command="echo disk full >&2; exit 3")))

    assert run_pending_jobs(instance_id=instance.pk) == 2

    incident = Incident.objects.get(instance=instance)
    assert incident.node_id == "check"
    assert "disk full" in incident.details
    assert incident.job.status == "failed"
    assert ProcessInstance.objects.get(pk=instance.pk).status == "running"
    assert verify_instance(instance) == []


@pytest.fixture
def exploding_handler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Install a plugin handler with a bug, the way `pip install` would leave it."""
    (tmp_path / f"{PLUGIN_MODULE}.py").write_text(
        textwrap.dedent(
            """
            class ExplodingHandler:
                type = "explode"

                def validate(self, fields):
                    return []

                def execute(self, context):
                    return {"ratio": 1 / 0}
            """
        )
    )
    dist_info = tmp_path / "bpm_test_exploding-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: bpm-test-exploding\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\nexplode = {PLUGIN_MODULE}:ExplodingHandler\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reload_handlers()
    yield "explode"
    sys.modules.pop(PLUGIN_MODULE, None)
    monkeypatch.undo()
    reload_handlers()


def test_it_turns_any_other_handler_exception_into_an_incident_with_the_traceback(
    exploding_handler: str,
) -> None:
    xml = document(
        "explodes",
        f'<startEvent id="start"/><serviceTask id="divide" bpm:type="{exploding_handler}"/>'
        '<endEvent id="end"/>' + flow("f1", "start", "divide") + flow("f2", "divide", "end"),
    )
    instance = start_instance(definition=deploy(xml))

    assert run_pending_jobs(instance_id=instance.pk) == 1

    incident = Incident.objects.get(instance=instance)
    assert incident.error == "ZeroDivisionError: division by zero"
    assert "Traceback (most recent call last)" in incident.details
    assert "1 / 0" in incident.details
