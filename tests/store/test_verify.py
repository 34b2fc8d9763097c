"""verify_instance: an intact history is clean; any edit behind the engine's back is reported."""

from __future__ import annotations

import pytest
from django.db import connection

from engine.services import complete_user_task, deploy, start_instance
from engine.store.models import ProcessInstance, Token, UserTask
from engine.store.verify import verify_all, verify_instance
from tests.services.models import parallel_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def instance() -> ProcessInstance:
    """Half way through: one of two branches completed, the other waiting."""
    started = start_instance(definition=deploy(parallel_process(2)), variables={"order": 1})
    complete_user_task(
        task_id=UserTask.objects.get(instance=started, node_id="branch1").pk, variables={"x": 1}
    )
    started.refresh_from_db()
    return started


def raw_sql(sql: str, params: list[object]) -> None:
    """Change rows the way an intruder with database access would: bypassing the application."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_it_finds_nothing_wrong_with_an_untouched_instance(instance: ProcessInstance) -> None:
    assert verify_instance(instance) == []
    assert verify_instance(instance.pk) == []


def test_it_reports_the_seq_of_an_edited_event(instance: ProcessInstance) -> None:
    raw_sql(
        "UPDATE engine_event SET node_id = %s WHERE instance_id = %s AND seq = %s",
        ["forged", instance.pk, 3],
    )

    problems = verify_instance(instance)

    assert any(p.startswith("seq 3: hash does not match") for p in problems), problems
    assert not any(p.startswith(("seq 2:", "seq 4:")) for p in problems), problems


def test_it_reports_a_rewritten_hash_as_a_broken_chain_at_the_next_event(instance: ProcessInstance) -> None:
    raw_sql(
        "UPDATE engine_event SET hash = %s WHERE instance_id = %s AND seq = %s",
        ["0" * 64, instance.pk, 2],
    )

    problems = verify_instance(instance)

    assert any(p.startswith("seq 2: hash does not match") for p in problems), problems
    assert any(p.startswith("seq 3: prev_hash does not match") for p in problems), problems


def test_it_reports_a_removed_event(instance: ProcessInstance) -> None:
    raw_sql("DELETE FROM engine_event WHERE instance_id = %s AND seq = %s", [instance.pk, 4])

    problems = verify_instance(instance)

    assert any(p.startswith("seq 5: expected seq 4") for p in problems), problems


def test_it_reports_a_state_that_the_events_do_not_explain(instance: ProcessInstance) -> None:
    state = dict(instance.state, variables={"order": 1, "x": 1, "bonus": 1000})
    ProcessInstance.objects.filter(pk=instance.pk).update(state=state)

    assert "replaying the events does not rebuild the stored state" in verify_instance(instance)


def test_it_reports_a_token_row_that_disagrees_with_the_state(instance: ProcessInstance) -> None:
    waiting = Token.objects.get(instance=instance, node_id="branch2")
    raw_sql("UPDATE engine_token SET status = %s WHERE id = %s", ["completed", waiting.pk])

    problems = verify_instance(instance)

    assert problems == [
        f"token {waiting.token_id}: the token table says not live, "
        "the state says waiting at 'branch2' (scope 0)"
    ]


def test_it_verifies_every_instance(instance: ProcessInstance) -> None:
    other = start_instance(key="parallel")
    raw_sql("UPDATE engine_event SET token_id = 99 WHERE instance_id = %s AND seq = 2", [other.pk])

    results = {checked.pk: problems for checked, problems in verify_all()}

    assert results[instance.pk] == []
    assert results[other.pk]


def test_it_verifies_values_the_database_may_give_back_in_another_form() -> None:
    # PostgreSQL's jsonb turns 1e16 into 10000000000000000 (an int) and keeps 2.0 as 2.0.
    variables = {
        "big": 1e16,
        "ratio": 0.1,
        "whole": 2.0,
        "text": "ünïcode ✓",
        "nested": {"b": [1, None], "a": True},
    }
    started = start_instance(definition=deploy(parallel_process(2)), variables=variables)

    assert verify_instance(started) == []
