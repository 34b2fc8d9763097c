"""Fixtures shared by every test area, and the database markers.

`@pytest.mark.postgres` tests need PostgreSQL and `@pytest.mark.sqlite` tests check SQLite
behaviour; each is skipped, with the reason shown, when the suite runs on the other database
(`make test` runs the suite on both).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django.fixtures import Settings


def _database_vendor() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "postgresql" if "postgresql" in engine else "sqlite" if "sqlite" in engine else engine


def pytest_runtest_setup(item: pytest.Item) -> None:
    vendor = _database_vendor()
    if item.get_closest_marker("postgres") and vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL; this run uses {vendor} (set DATABASE_URL to a postgres:// URL)")
    if item.get_closest_marker("sqlite") and vendor != "sqlite":
        pytest.skip(f"checks SQLite behaviour; this run uses {vendor}")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Settings) -> None:
    # The production hasher is slow on purpose (about half a second per login); tests only
    # need passwords to work, not to resist brute force.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def corpus_dir(repo_root: Path) -> Path:
    """The shared BPMN test corpus (BPM_CORPUS_DIR, default: ../shared/corpus next to the repo)."""
    configured = os.environ.get("BPM_CORPUS_DIR")
    return Path(configured) if configured else repo_root.parent / "shared" / "corpus"
