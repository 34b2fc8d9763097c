"""A BPMN error caught on a subprocess boundary voids the work still open inside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.services import deploy, run_pending_jobs, start_instance
from engine.store.models import Job, JobStatus, Token
from engine.store.verify import verify_instance

pytestmark = pytest.mark.django_db

MODEL = Path(__file__).resolve().parents[1] / "models" / "bpmn" / "44-error-boundary.bpmn"


def test_it_cancels_the_job_of_a_branch_interrupted_by_a_caught_error() -> None:
    instance = start_instance(definition=deploy(MODEL.read_bytes()), variables={"amount": 500})

    assert instance.status == "completed"
    hotel = Job.objects.get(instance=instance, node_id="hotel")
    assert hotel.status == JobStatus.CANCELLED
    assert run_pending_jobs(instance_id=instance.pk) == 0
    assert Token.objects.get(instance=instance, node_id="hotel").status == "terminated"
    assert Token.objects.get(instance=instance, node_id="book").status == "terminated"
    assert verify_instance(instance) == []
