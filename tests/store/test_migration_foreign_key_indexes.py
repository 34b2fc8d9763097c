"""Migration 0013: six foreign keys lose their own index; lookups by them still use an index."""

from __future__ import annotations

import pytest
from django.db import connection

from engine.services import deploy, start_instance
from tests.store.test_migration_exclusive_jobs import migrate
from tests.worker.models import parallel_cli_process

pytestmark = pytest.mark.django_db(transaction=True)

FOREIGN_KEYS = (
    ("engine_event", "instance_id"),
    ("engine_job", "instance_id"),
    ("engine_joinfiring", "instance_id"),
    ("engine_processinstance", "definition_id"),
    ("engine_token", "instance_id"),
    ("engine_usertask", "instance_id"),
)


def indexes_on(table: str, column: str) -> dict[str, list[str]]:
    """Every index (unique constraints included) whose first column is `column`, with its columns."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if (info["index"] or info["unique"]) and not info["primary_key"] and info["columns"][:1] == [column]
    }


def own_indexes(table: str, column: str) -> list[str]:
    """The plain (not unique) indexes of `column` alone: what Django creates for a foreign key."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and info["columns"] == [column]
    ]


def plan_of(sql: str, params: list[object]) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A test database is tiny: make the planner say which index it would use at scale.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            return plan
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(row[-1]) for row in cursor.fetchall())


def test_each_foreign_key_keeps_only_the_composite_index_that_starts_with_it() -> None:
    for table, column in FOREIGN_KEYS:
        assert not own_indexes(table, column), f"{table}.{column} still has an index of its own"
        found = indexes_on(table, column)
        assert any(len(columns) > 1 for columns in found.values()), f"{table}.{column}: {found}"


def test_lookups_of_an_instance_s_rows_use_an_index() -> None:
    instance = start_instance(definition=deploy(parallel_cli_process(2, "true")))
    for table in ("engine_event", "engine_token", "engine_job"):
        plan = plan_of(f"SELECT * FROM {table} WHERE instance_id = %s", [instance.pk])  # noqa: S608
        assert "index" in plan.lower(), f"{table}: {plan}"


def test_it_migrates_back_and_forth_keeping_the_rows() -> None:
    instance = start_instance(definition=deploy(parallel_cli_process(2, "true")))
    events = instance.events.count()
    migrate([("engine", "0012_exclusive_jobs")])
    try:
        for table, column in FOREIGN_KEYS:
            assert own_indexes(table, column), f"0012 had {table}.{column}'s own index"
    finally:
        migrate(None)
    for table, column in FOREIGN_KEYS:
        assert not own_indexes(table, column), f"{table}.{column}'s own index is back"
    assert instance.events.count() == events > 0
