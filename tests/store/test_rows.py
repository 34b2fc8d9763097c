"""insert_rows: the fast append path writes exactly what the ORM would have written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from engine.services import deploy, start_instance
from engine.store import rows
from engine.store.execution import EVENT_COLUMNS, INSTANCE_COLUMNS
from engine.store.models import Event, Job, ProcessInstance, Token, TokenStatus
from engine.store.rows import EncodedJSON, insert_row, insert_rows
from engine.store.tokens import TOKEN_COLUMNS
from engine.store.verify import verify_instance
from tests.services.models import parallel_process

pytestmark = pytest.mark.django_db(transaction=True)


def an_instance() -> ProcessInstance:
    return start_instance(definition=deploy(parallel_process(2)))


def test_it_writes_datetimes_json_enums_and_nulls_that_read_back_unchanged() -> None:
    instance = an_instance()
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    payload = {
        "text": "Grüße, \"quoted\" \\ and 'single'",
        "nested": {"list": [1, 2.5, None, True]},
        "n": 10**15,
    }
    with transaction.atomic():
        written = insert_rows(
            Token,
            TOKEN_COLUMNS,
            [
                (instance.pk, 900, "taskA", 0, TokenStatus.WAITING, None, None, 1, moment, None),
                (instance.pk, 901, "taskB", 2, TokenStatus.COMPLETED, 900, "flow1", 1, moment, moment),
            ],
        )
        insert_rows(
            Event,
            EVENT_COLUMNS,
            [(instance.pk, 1000, "token_arrived", None, None, payload, moment, "", "x" * 64)],
        )

    assert written == 2
    waiting, completed = Token.objects.filter(instance=instance, token_id__in=(900, 901)).order_by("token_id")
    assert (waiting.status, waiting.previous_token_id, waiting.flow_id, waiting.ended_at) == (
        "waiting",
        None,
        None,
        None,
    )
    assert waiting.created_at == moment
    assert (completed.status, completed.scope, completed.previous_token_id, completed.flow_id) == (
        "completed",
        2,
        900,
        "flow1",
    )
    assert completed.ended_at == moment
    event = Event.objects.get(instance=instance, seq=1000)
    assert event.payload == payload
    assert event.node_id is None and event.token_id is None
    assert event.created_at == moment


def test_it_writes_more_rows_than_fit_in_one_statement() -> None:
    instance = an_instance()
    count = rows.MAX_PARAMETERS // len(TOKEN_COLUMNS) * 2 + 7
    now = datetime.now(UTC)
    with transaction.atomic():
        insert_rows(
            Token,
            TOKEN_COLUMNS,
            [
                (instance.pk, 10_000 + n, f"n{n}", 0, "completed", None, None, 1, now, now)
                for n in range(count)
            ],
        )

    ids = Token.objects.filter(instance=instance, token_id__gte=10_000).values_list("token_id", flat=True)
    assert sorted(ids) == list(range(10_000, 10_000 + count))


def test_it_names_a_column_the_model_does_not_have() -> None:
    with pytest.raises(ValueError, match="Token has no column colour"):
        insert_rows(Token, ("instance_id", "colour"), [(1, "red")])


def test_it_refuses_a_field_type_it_cannot_convert() -> None:
    # A silent mis-conversion would corrupt rows, so a type it does not know is refused outright.
    from django_q.models import Task

    with pytest.raises(TypeError, match=r"Task\.args: PickledObjectField is not supported"):
        insert_rows(Task, ("args",), [((1, 2),)])


def test_the_history_it_writes_for_a_waiting_instance_verifies() -> None:
    instance = start_instance(definition=deploy(parallel_process(2, service=True)))

    assert verify_instance(instance.pk) == []
    assert Event.objects.filter(instance=instance).count() == instance.last_seq
    assert Token.objects.filter(instance=instance, status="waiting").count() == 2
    assert Job.objects.filter(instance=instance, status="pending").count() == 2


def test_insert_row_returns_the_new_key_and_writes_every_instance_column_as_the_orm_reads_it() -> None:
    model = an_instance()
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    values = {
        "definition_id": model.definition_id,
        "business_key": "order-7",
        "status": "completed",
        "variables": {"amount": 12.5, "note": "Grüße"},
        "state": {"status": "completed", "tokens": []},
        "version": 3,
        "last_seq": 25,
        "last_hash": "f" * 64,
        "started_at": moment,
        "ended_at": moment,
        "started_by_id": None,
    }
    assert set(values) == set(INSTANCE_COLUMNS), "a column the fast path would not write"
    with transaction.atomic():
        first = insert_row(ProcessInstance, INSTANCE_COLUMNS, [values[name] for name in INSTANCE_COLUMNS])
        second = insert_row(ProcessInstance, INSTANCE_COLUMNS, [values[name] for name in INSTANCE_COLUMNS])

    assert model.pk < first < second
    stored = ProcessInstance.objects.get(pk=first)
    assert {name: getattr(stored, name) for name in INSTANCE_COLUMNS} == values


def test_it_refuses_a_row_with_too_few_values_and_writes_nothing() -> None:
    instance = an_instance()
    before = Token.objects.count()
    with pytest.raises(ValueError, match="a row of 2 values for 10 columns"), transaction.atomic():
        insert_rows(Token, TOKEN_COLUMNS, [(instance.pk, 5000)])
    assert Token.objects.count() == before


def test_encoded_json_is_written_as_the_json_it_holds_not_as_a_string() -> None:
    instance = an_instance()
    moment = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    with transaction.atomic():
        insert_rows(
            Event,
            EVENT_COLUMNS,
            [
                (
                    instance.pk,
                    2000,
                    "variables_updated",
                    None,
                    None,
                    EncodedJSON('{"values":{"a":1}}'),
                    moment,
                    "",
                    "y" * 64,
                )
            ],
        )

    assert Event.objects.get(instance=instance, seq=2000).payload == {"values": {"a": 1}}
    # Stored as a JSON object, so the database's own JSON lookups see into it.
    assert Event.objects.filter(instance=instance, payload__values__a=1).count() == 1


def test_event_payloads_read_back_as_started_with_floats_kept_and_the_history_verifies() -> None:
    variables = {"price": 3.0, "ratio": 0.5, "big": 1e16, "count": 3, "name": "Zoë"}
    instance = start_instance(definition=deploy(parallel_process(2)), variables=variables)

    started = Event.objects.get(instance=instance, seq=1)
    assert started.payload == {"variables": variables}
    assert isinstance(started.payload["variables"]["price"], float)
    assert isinstance(started.payload["variables"]["count"], int)
    assert verify_instance(instance.pk) == []
