"""A worker runs a claimed job outside any transaction, retries it with backoff, then raises an incident."""

from __future__ import annotations

import pytest

from engine.services import deploy, retry_incident, start_instance
from engine.store.models import Incident, Job, ProcessInstance
from engine.store.verify import verify_instance
from tests.services.models import document, flow
from tests.worker.clock import FakeClock
from tests.worker.models import one_cli_task_process
from tests.worker.running import run_next_job

pytestmark = pytest.mark.django_db(transaction=True)


def start(command: str, *, retry: str | None = None) -> ProcessInstance:
    return start_instance(definition=deploy(one_cli_task_process(command, retry=retry)))


def test_it_runs_a_job_with_its_idempotency_key_and_completes_the_instance() -> None:
    instance = start('printf %s "$BPM_IDEMPOTENCY_KEY"')
    job = Job.objects.get(instance=instance)

    assert run_next_job(FakeClock()) == "completed"

    instance.refresh_from_db()
    job.refresh_from_db()
    assert (instance.status, instance.variables) == ("completed", {"work_out": str(job.idempotency_key)})
    assert (job.status, job.attempts, job.lock_owner, job.lock_expires_at) == ("completed", 1, "", None)
    assert verify_instance(instance) == []


def test_it_retries_a_failing_task_after_its_interval_then_raises_an_incident() -> None:
    clock = FakeClock()
    instance = start("echo disk full >&2; exit 3", retry="R1/PT10S")

    assert run_next_job(clock) == "retry"
    job = Job.objects.get(instance=instance)
    assert (job.status, job.attempts, job.lock_owner) == ("pending", 1, "")
    assert (job.due_at - clock.now).total_seconds() == 10
    assert "attempt 1 of 2" in job.last_error and "disk full" in job.last_error
    assert not Incident.objects.exists()

    clock.advance(seconds=9)
    assert run_next_job(clock) is None, "a retry never runs before its backoff is over"
    clock.advance(seconds=1)
    assert run_next_job(clock) == "failed"

    incident = Incident.objects.get(instance=instance)
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert (incident.node_id, incident.job_id) == ("work", job.pk)
    assert "3" in incident.error
    assert "failed after 2 attempts (retry policy R1/PT10S)" in incident.details
    assert "disk full" in incident.details
    instance.refresh_from_db()
    assert instance.status == "running"
    assert verify_instance(instance) == []


def test_it_backs_off_exponentially_without_a_retry_policy() -> None:
    clock = FakeClock()
    instance = start("exit 1")
    delays = []
    for _ in range(2):
        assert run_next_job(clock) == "retry"
        job = Job.objects.get(instance=instance)
        delays.append((job.due_at - clock.now).total_seconds())
        clock.now = job.due_at
    assert run_next_job(clock) == "failed"

    assert delays == [5, 10]
    assert "failed after 3 attempts (default retry policy: 3 attempts with backoff)" in (
        Incident.objects.get(instance=instance).details
    )


def test_it_does_not_retry_a_task_without_retries() -> None:
    instance = start("exit 1", retry="R0/PT1S")

    assert run_next_job(FakeClock()) == "failed"

    assert Incident.objects.filter(instance=instance, resolved_at=None).count() == 1


def test_retrying_an_incident_runs_the_task_again_with_fresh_attempts(tmp_path) -> None:
    marker = tmp_path / "fixed"
    instance = start(f"test -e {marker}", retry="R0/PT1S")
    clock = FakeClock()
    assert run_next_job(clock) == "failed"
    incident = Incident.objects.get(instance=instance)
    marker.touch()  # the operator fixed the cause

    retry_incident(incident_id=incident.pk)
    assert run_next_job(clock) == "completed"

    instance.refresh_from_db()
    incident.refresh_from_db()
    new_job = Job.objects.filter(instance=instance).latest("pk")
    assert instance.status == "completed"
    assert incident.resolved_at is not None
    assert (new_job.attempts, new_job.status) == (1, "completed")
    assert verify_instance(instance) == []


def declined_process(exit_code: int) -> str:
    """A cli task whose exit code 2 is the BPMN error DECLINED, caught by a boundary event."""
    return document(
        "payment",
        '<startEvent id="start"/>\n'
        '<serviceTask id="charge" bpm:type="cli"><extensionElements>'
        '<bpm:field name="argv"><bpm:item>sh</bpm:item><bpm:item>-c</bpm:item>'
        f"<bpm:item>echo card expired &gt;&amp;2; exit {exit_code}</bpm:item></bpm:field>"
        '<bpm:field name="errorCodes" value="2=DECLINED"/>'
        "</extensionElements></serviceTask>\n"
        '<boundaryEvent id="declined" attachedToRef="charge">'
        '<errorEventDefinition errorRef="e"/></boundaryEvent>\n'
        '<endEvent id="paid"/>\n<endEvent id="not_paid"/>\n'
        + flow("f1", "start", "charge")
        + flow("f2", "charge", "paid")
        + flow("f3", "declined", "not_paid"),
    ).replace("<process ", '<error id="e" errorCode="DECLINED"/>\n<process ', 1)


def test_a_mapped_exit_code_throws_a_bpmn_error_that_a_boundary_catches_without_retry() -> None:
    instance = start_instance(definition=deploy(declined_process(2)))

    assert run_next_job(FakeClock()) == "completed"

    instance.refresh_from_db()
    job = Job.objects.get(instance=instance)
    assert instance.status == "completed"
    assert (job.status, job.attempts) == ("completed", 1)
    assert job.last_error.startswith("BPMN error DECLINED")
    completed = list(instance.events.filter(type="node_completed").values_list("node_id", flat=True))
    assert completed == ["start", "declined", "not_paid"]
    assert not Incident.objects.exists()
    assert verify_instance(instance) == []


def test_an_unmapped_exit_code_is_still_an_ordinary_failure() -> None:
    start_instance(definition=deploy(declined_process(5)))
    assert run_next_job(FakeClock()) == "retry"
