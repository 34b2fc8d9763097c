"""The OpenAPI schema (generated, validated, warnings fail) and the Swagger UI (local files only)."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from engine.roles import VIEWERS
from tests.api.conftest import ClientFor

pytestmark = pytest.mark.django_db


def test_the_schema_generates_and_validates_without_warnings(repo_root: Path) -> None:
    """What `make test` runs before the suite: any drf-spectacular warning fails it."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--format",
            "openapi-json",
        ],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert '"openapi": "3.0.3"' in result.stdout
    assert "Warning" not in result.stderr and "Error" not in result.stderr


def test_the_schema_is_served_to_logged_in_users(viewer: APIClient) -> None:
    schema = viewer.get("/api/v1/schema?format=json").json()

    assert "/api/v1/instances/{instance_id}/modify" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert (
        "application/problem+json"
        in schema["paths"]["/api/v1/instances"]["post"]["responses"]["400"]["content"]
    )


def test_swagger_ui_loads_only_local_files(make_user: Callable[..., User], client_for: ClientFor) -> None:
    page = client_for(make_user("vera", VIEWERS)).get("/api/v1/docs")

    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle.js" in s for s in sources)
    assert all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in html.lower()
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), f"{source} is not a local static file"
