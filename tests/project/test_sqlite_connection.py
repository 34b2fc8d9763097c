"""The embedded database is configured for several processes writing at once."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection, transaction

pytestmark = [pytest.mark.sqlite, pytest.mark.django_db(transaction=True)]


def pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


def test_it_uses_write_ahead_logging_and_enforces_foreign_keys() -> None:
    assert pragma("journal_mode") == "wal"
    assert pragma("foreign_keys") == 1
    assert pragma("synchronous") == 1  # NORMAL


def test_it_takes_the_write_lock_when_a_transaction_begins() -> None:
    # With IMMEDIATE transactions a writer waits at BEGIN instead of failing midway with
    # "database is locked" when its first write finds another writer already there.
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        with transaction.atomic(), pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
    finally:
        other.close()
