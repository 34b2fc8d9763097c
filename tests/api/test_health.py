"""The health endpoint: open to load balancers, telling database and worker liveness only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from engine.services.workers import record_worker_heartbeat

pytestmark = pytest.mark.django_db


def test_it_answers_without_login_and_reports_no_worker() -> None:
    answer = APIClient().get("/api/v1/health")

    assert answer.status_code == 200
    assert answer.json() == {"status": "degraded", "database": "ok", "workers": "none"}


def test_a_recent_heartbeat_counts_as_a_live_worker_and_an_old_one_does_not() -> None:
    record_worker_heartbeat(owner="host:1:old", now=timezone.now() - timedelta(minutes=10))
    assert APIClient().get("/api/v1/health").json()["workers"] == "none"

    record_worker_heartbeat(owner="host:2:new", now=timezone.now())

    assert APIClient().get("/api/v1/health").json() == {"status": "ok", "database": "ok", "workers": "ok"}
