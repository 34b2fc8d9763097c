"""PostgreSQL connections prepare the statements they run repeatedly, unless an operator says no."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection

from engine.store.models import Job
from tests.project.test_settings import run_django

PRINT_OPTIONS = (
    "from django.conf import settings; print(sorted(settings.DATABASES['default']['OPTIONS'].items()))"
)
URL = "postgres://postgres@127.0.0.1:5432/bpm_settings_only"  # never connected to


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_run_repeatedly_is_prepared_once_and_reused() -> None:
    for _ in range(6):
        list(Job.objects.filter(status="pending", due_at__isnull=False)[:1])

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]

    assert [sql for sql in prepared if '"engine_job"' in sql and "due_at" in sql]


def test_prepared_statements_can_be_turned_off_for_a_pooler(repo_root: Path, tmp_path: Path) -> None:
    default = run_django(repo_root, tmp_path, PRINT_OPTIONS, DATABASE_URL=URL)
    off = run_django(repo_root, tmp_path, PRINT_OPTIONS, DATABASE_URL=URL, BPM_PG_PREPARED_STATEMENTS="false")

    assert default.returncode == 0, default.stderr
    assert "('prepare_threshold', 5)" in default.stdout and "('server_side_binding', True)" in default.stdout
    assert "prepare_threshold" not in off.stdout and "server_side_binding" not in off.stdout
