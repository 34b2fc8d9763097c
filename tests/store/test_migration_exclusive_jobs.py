"""Migration 0012: an instance that runs two jobs (possible before) keeps one; the other is handed back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from engine.services import deploy, start_instance
from engine.store.models import Job
from tests.worker.models import parallel_cli_process

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("engine", "0011_draft")]


def migrate(targets: list[tuple[str, str]] | None) -> None:
    """Migrate to `targets`, or (None) forward to the latest migrations, where other tests expect it."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets if targets is not None else executor.loader.graph.leaf_nodes())


def test_it_hands_back_all_but_one_running_job_of_an_instance_with_its_attempt_refunded() -> None:
    crowded = start_instance(definition=deploy(parallel_cli_process(3, "true")))
    calm = start_instance(definition=deploy(parallel_cli_process(2, "true", process_id="calm")))
    crowded_jobs = list(Job.objects.filter(instance=crowded).order_by("pk").values_list("pk", flat=True))
    calm_job = Job.objects.filter(instance=calm).order_by("pk").values_list("pk", flat=True).first()

    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            # Before 0012 nothing stopped this: two lock holders, one of whose locks had expired.
            cursor.execute(
                "UPDATE engine_job SET status = 'running', attempts = 1, lock_owner = 'w',"
                " lock_expires_at = %s WHERE id IN (%s, %s, %s)",
                ["2026-01-01 00:00:00+00:00", crowded_jobs[0], crowded_jobs[1], calm_job],
            )
            cursor.execute(
                "UPDATE engine_job SET lock_expires_at = %s WHERE id = %s",
                ["2026-01-01 00:05:00+00:00", crowded_jobs[1]],
            )
    finally:
        migrate(None)

    statuses = dict(Job.objects.filter(instance=crowded).values_list("pk", "status"))
    assert statuses == {crowded_jobs[0]: "pending", crowded_jobs[1]: "running", crowded_jobs[2]: "pending"}
    handed_back = Job.objects.get(pk=crowded_jobs[0])
    assert (handed_back.attempts, handed_back.lock_owner, handed_back.lock_expires_at) == (0, "", None)
    assert "migration 0012" in handed_back.last_error
    assert Job.objects.get(pk=calm_job).status == "running", "an instance with one running job keeps it"
    assert Job.objects.filter(exclusive=True).count() == Job.objects.count()
