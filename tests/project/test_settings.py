"""Settings as an operator meets them: generated secrets, loud configuration errors."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

PRINT_SECRET_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def run_django(repo_root: Path, data_dir: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter, as `manage.py` would, with a clean environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL"} and not key.startswith("BPM_")
    }
    environment.update(DJANGO_SETTINGS_MODULE="bpmportal.settings", BPM_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=repo_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_generates_a_private_secret_key_and_reuses_it(repo_root: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"  # missing on purpose: settings create it

    first = run_django(repo_root, data_dir, PRINT_SECRET_KEY)
    second = run_django(repo_root, data_dir, PRINT_SECRET_KEY)

    assert first.returncode == 0, first.stderr
    key_file = data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.stdout.strip()) >= 50
    assert key_file.read_text().strip() == first.stdout.strip() == second.stdout.strip()


def test_it_gives_each_installation_its_own_secret_key(repo_root: Path, tmp_path: Path) -> None:
    one = run_django(repo_root, tmp_path / "one", PRINT_SECRET_KEY)
    other = run_django(repo_root, tmp_path / "other", PRINT_SECRET_KEY)

    assert one.stdout.strip() != other.stdout.strip()


def test_it_prefers_the_secret_key_from_the_environment(repo_root: Path, tmp_path: Path) -> None:
    result = run_django(repo_root, tmp_path, PRINT_SECRET_KEY, SECRET_KEY="from-the-environment")

    assert result.stdout.strip() == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BPM_DEBUG", "maybe"),
        ("BPM_CONN_MAX_AGE", "forever"),
        ("BPM_CLI_TIMEOUT", "0"),
        ("BPM_LOG_LEVEL", "loud"),
    ],
)
def test_it_refuses_to_start_with_a_bad_value_naming_the_variable(
    repo_root: Path, tmp_path: Path, variable: str, value: str
) -> None:
    result = run_django(repo_root, tmp_path, "pass", **{variable: value})

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert variable in last_line
    assert value in last_line


def test_it_refuses_other_databases_without_printing_the_password(repo_root: Path, tmp_path: Path) -> None:
    result = run_django(repo_root, tmp_path, "pass", DATABASE_URL="mysql://bpm:s3cret-pw@db/bpm")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "DATABASE_URL" in last_line
    assert "SQLite or PostgreSQL" in last_line
    assert "s3cret-pw" not in result.stderr
