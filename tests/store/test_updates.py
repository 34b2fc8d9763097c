"""update_where: the hot path's conditional UPDATEs change exactly what QuerySet.update would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engine.services import deploy, start_instance
from engine.store.models import Job, ProcessInstance, Token
from engine.store.updates import update_where
from tests.worker.models import parallel_cli_process

pytestmark = pytest.mark.django_db(transaction=True)

MOMENT = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)


def an_instance() -> ProcessInstance:
    return start_instance(definition=deploy(parallel_cli_process(3, "true")))


def test_a_compare_and_set_changes_the_row_once_and_then_no_more() -> None:
    instance = an_instance()
    variables = {"total": 12.5, "note": "Grüße"}
    changes = {"variables": variables, "version": instance.version + 1, "ended_at": MOMENT}
    where = {"id": instance.pk, "version": instance.version}

    assert update_where(ProcessInstance, changes, where) == 1
    assert update_where(ProcessInstance, changes, where) == 0, "the version it compared against is gone"

    stored = ProcessInstance.objects.get(pk=instance.pk)
    assert (stored.variables, stored.version, stored.ended_at) == (
        {"total": 12.5, "note": "Grüße"},
        instance.version + 1,
        MOMENT,
    )


def test_an_in_list_a_null_condition_and_an_increment() -> None:
    instance = an_instance()
    tokens = Token.objects.filter(instance=instance, status="waiting").order_by("token_id")
    waiting = list(tokens.values_list("token_id", "version"))
    assert len(waiting) == 3
    chosen = [token_id for token_id, _ in waiting[:2]]

    changed = update_where(
        Token,
        {"status": "completed", "ended_at": MOMENT},
        {"instance_id": instance.pk, "token_id": chosen, "status": "waiting", "ended_at": None},
        increment=("version",),
    )

    assert changed == 2
    after = dict(Token.objects.filter(instance=instance).values_list("token_id", "status"))
    assert [after[token_id] for token_id, _ in waiting] == ["completed", "completed", "waiting"]
    versions = dict(Token.objects.filter(instance=instance).values_list("token_id", "version"))
    assert [versions[token_id] - version for token_id, version in waiting] == [1, 1, 0]
    assert update_where(Token, {"status": "terminated"}, {"instance_id": instance.pk, "ended_at": None}) == 1


def test_it_refuses_what_would_change_too_much_or_name_a_missing_column() -> None:
    instance = an_instance()
    before = list(Job.objects.order_by("pk").values_list("pk", "status"))
    with pytest.raises(ValueError, match="without a condition would change every row"):
        update_where(Job, {"status": "failed"}, {})
    with pytest.raises(ValueError, match="an empty IN list for id matches nothing"):
        update_where(Job, {"status": "failed"}, {"id": []})
    with pytest.raises(ValueError, match="Job has no column colour"):
        update_where(Job, {"colour": "red"}, {"instance_id": instance.pk})
    assert list(Job.objects.order_by("pk").values_list("pk", "status")) == before


def test_a_timestamp_condition_matches_the_stored_timestamp() -> None:
    instance = an_instance()
    job = Job.objects.filter(instance=instance).order_by("pk").first()
    assert job is not None
    Job.objects.filter(pk=job.pk).update(lock_expires_at=MOMENT)

    assert update_where(Job, {"last_error": "late"}, {"id": job.pk, "lock_expires_at": MOMENT}) == 1
    assert Job.objects.get(pk=job.pk).last_error == "late"
