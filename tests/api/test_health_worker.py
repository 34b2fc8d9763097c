"""The health endpoint sees a real `bpm worker` process through its heartbeat.

`start_worker` (tests/worker) is made available by tests/api/conftest.py.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_running_worker_makes_the_engine_healthy(
    start_worker: Callable[..., subprocess.Popen[str]],
) -> None:
    before = APIClient().get("/api/v1/health").json()

    start_worker(queue="threads")
    deadline = time.monotonic() + 20
    answer = APIClient().get("/api/v1/health").json()
    while answer["workers"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = APIClient().get("/api/v1/health").json()

    assert before == {"status": "degraded", "database": "ok", "workers": "none"}
    assert answer == {"status": "ok", "database": "ok", "workers": "ok"}
