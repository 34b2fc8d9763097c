"""Migration 0014: the tokens' index by node is gone; every token query the product makes still
finds its rows through an index."""

from __future__ import annotations

import pytest
from django.db import connection

from engine.services import deploy, start_instance
from engine.store.models import LIVE_TOKEN_STATUSES, Token
from tests.store.test_migration_exclusive_jobs import migrate
from tests.store.test_migration_foreign_key_indexes import plan_of
from tests.worker.models import parallel_cli_process

pytestmark = pytest.mark.django_db(transaction=True)


def token_indexes() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "engine_token")
    indexes = {name: info for name, info in constraints.items() if info["index"] and not info["primary_key"]}
    return {name: info["columns"] for name, info in indexes.items()}


def test_no_index_leads_with_the_node() -> None:
    assert [name for name, columns in token_indexes().items() if columns[:1] == ["node_id"]] == []


def test_the_product_s_token_queries_still_use_an_index() -> None:
    instance = start_instance(definition=deploy(parallel_cli_process(2, "true")))
    queries = {
        "an instance's live tokens (API, verify)": Token.objects.filter(
            instance_id=instance.pk, status__in=LIVE_TOKEN_STATUSES
        ),
        "tokens by instance and token id (monitoring rollups)": Token.objects.filter(
            instance_id__in=[instance.pk], token_id__in=[1, 2]
        ),
    }
    for what, query in queries.items():
        sql, params = query.query.sql_with_params()
        plan = plan_of(sql, list(params))
        assert "index" in plan.lower(), f"{what}: {plan}"


def test_it_migrates_back_and_forth_keeping_the_tokens() -> None:
    instance = start_instance(definition=deploy(parallel_cli_process(2, "true")))
    tokens = token_rows(instance.pk)
    migrate([("engine", "0013_drop_redundant_foreign_key_indexes")])
    try:
        assert token_indexes().get("token_node_status") == ["node_id", "status"]
    finally:
        migrate(None)
    assert "token_node_status" not in token_indexes()
    assert token_rows(instance.pk) == tokens


def token_rows(instance_id: int) -> list[tuple[int, str, str]]:
    return sorted(Token.objects.filter(instance_id=instance_id).values_list("token_id", "node_id", "status"))
