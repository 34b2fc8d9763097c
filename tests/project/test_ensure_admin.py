"""`manage.py ensure_admin`: the first login on a fresh installation."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from pytest_django.fixtures import Settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings: Settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def ensure_admin(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def test_it_creates_an_admin_with_a_random_private_password(data_dir: Path, client: Client) -> None:
    output = ensure_admin()

    password_file = data_dir / "admin-password.txt"
    password = password_file.read_text().strip()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert len(password) >= 16
    assert password.lower() not in {"admin", "password"}
    assert f"as admin with password {password}" in output
    assert "http://127.0.0.1:8000/" in output
    assert client.login(username="admin", password=password)
    assert User.objects.get(username="admin").is_superuser


def test_it_leaves_an_existing_admin_alone(data_dir: Path, client: Client) -> None:
    ensure_admin()
    password = (data_dir / "admin-password.txt").read_text().strip()

    output = ensure_admin()

    assert "admin-password.txt" in output
    assert password not in output
    assert client.login(username="admin", password=password)
    assert User.objects.filter(is_superuser=True).count() == 1


def test_it_rotates_the_password_on_reset(data_dir: Path, client: Client) -> None:
    ensure_admin()
    old = (data_dir / "admin-password.txt").read_text().strip()

    ensure_admin("--reset")

    new = (data_dir / "admin-password.txt").read_text().strip()
    assert new != old
    assert not client.login(username="admin", password=old)
    assert client.login(username="admin", password=new)


def test_it_gives_every_installation_a_different_password(data_dir: Path) -> None:
    ensure_admin()
    first = (data_dir / "admin-password.txt").read_text()
    User.objects.all().delete()

    ensure_admin()

    assert (data_dir / "admin-password.txt").read_text() != first


def test_it_does_not_silently_promote_an_ordinary_user_named_admin(data_dir: Path) -> None:
    User.objects.create_user("admin", password="someone else's password")

    with pytest.raises(CommandError, match="not a superuser"):
        ensure_admin()

    assert not User.objects.get(username="admin").is_superuser
    assert not (data_dir / "admin-password.txt").exists()
