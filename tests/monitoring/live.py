"""Helpers for live-layer tests: users with roles, WebSocket clients with their session, subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from bpmportal.asgi import application

REPO = Path(__file__).resolve().parents[2]
ORIGIN = b"http://127.0.0.1"


def user_with_role(username: str, role: str | None) -> User:
    user = User.objects.create_user(username, password="pw")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def session_cookie(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def communicator(cookie: str | None, *, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


def database_url() -> str:
    """The test database as a DATABASE_URL, for a subprocess that must write into it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def run_in_another_process(code: str, **extra_env: Any) -> subprocess.CompletedProcess[str]:
    """Python `code` after django.setup(), in a separate process writing the test database."""
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "bpmportal.settings"}
    env.update({key: str(value) for key, value in extra_env.items()})
    script = "import django; django.setup()\n" + code
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result
