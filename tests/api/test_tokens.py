"""An administrator creates an integration's API token with `manage.py drf_create_token`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from engine.roles import OPERATORS
from tests.worker.test_worker_process import database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_token_made_on_the_command_line_authenticates_the_integration(
    make_user: Callable[..., User], repo_root: Path, tmp_path: Path
) -> None:
    make_user("billing-bot", OPERATORS)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "BPM_DATA_DIR": str(tmp_path),
        "SECRET_KEY": settings.SECRET_KEY,
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "drf_create_token", "billing-bot"],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    key = re.search(r"Generated token (\w+) for user billing-bot", result.stdout)
    assert key, result.stdout
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key[1]}")
    assert client.get("/api/v1/instances").status_code == 200
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    refused = client.get("/api/v1/instances")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "Invalid token."
