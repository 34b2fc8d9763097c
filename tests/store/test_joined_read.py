"""JoinedRead: one prepared SELECT gives the same objects as select_related().defer() would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from engine.services import deploy, start_instance
from engine.services.jobs import JOB_WITH_INSTANCE
from engine.store.execution import DEFINITION_BULK, INSTANCE_WITH_DEFINITION
from engine.store.joined import JoinedRead
from engine.store.models import Job, ProcessDefinition, ProcessInstance, UserTask
from tests.worker.models import one_cli_task_process

pytestmark = pytest.mark.django_db(transaction=True)


def field_values(obj: object, model: type, *, skip: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        field.attname: getattr(obj, field.attname)
        for field in model._meta.concrete_fields
        if field.attname not in skip
    }


def a_job() -> Job:
    instance = start_instance(
        definition=deploy(one_cli_task_process("true")),
        variables={"amount": 12.5, "note": "Grüße", "items": [1, None, True]},
        business_key="order-7",
    )
    return Job.objects.get(instance=instance)


def test_a_job_with_its_instance_and_definition_reads_back_as_the_orm_reads_it() -> None:
    job = a_job()
    Job.objects.filter(pk=job.pk).update(lock_expires_at=datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC))
    expected = (
        Job.objects.select_related("instance__definition")
        .defer(*(f"instance__definition__{name}" for name in DEFINITION_BULK))
        .get(pk=job.pk)
    )

    with CaptureQueriesContext(connection) as queries:
        found = JOB_WITH_INSTANCE.get(job.pk)
        assert found is not None
        got = (field_values(found, Job), field_values(found.instance, ProcessInstance))
        definition = found.instance.definition
        assert definition.get_deferred_fields() == set(DEFINITION_BULK)
        got_definition = field_values(definition, ProcessDefinition, skip=DEFINITION_BULK)
    assert len(queries) == 1, "one statement, the related rows cached on the job"

    assert got == (field_values(expected, Job), field_values(expected.instance, ProcessInstance))
    expected_definition = expected.instance.definition
    assert got_definition == field_values(expected_definition, ProcessDefinition, skip=DEFINITION_BULK)
    assert found.instance.variables == {"amount": 12.5, "note": "Grüße", "items": [1, None, True]}
    assert found.lock_expires_at == datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    # A deferred column loads when touched, as with .defer().
    assert definition.bpmn_xml == ProcessDefinition.objects.get(pk=definition.pk).bpmn_xml


def test_an_instance_reads_with_its_definition_and_a_missing_key_reads_none() -> None:
    job = a_job()
    instance = INSTANCE_WITH_DEFINITION.get(job.instance_id)
    assert instance is not None
    assert field_values(instance, ProcessInstance) == field_values(
        ProcessInstance.objects.get(pk=job.instance_id), ProcessInstance
    )
    assert instance.definition.key == "one_task"
    assert JOB_WITH_INSTANCE.get(job.pk + 10_000) is None
    assert INSTANCE_WITH_DEFINITION.get(job.instance_id + 10_000) is None


def test_it_refuses_a_key_that_may_be_null() -> None:
    # An inner join over a nullable key would silently lose rows whose key is NULL.
    with pytest.raises(ValueError, match=r"UserTask\.completed_by is not a required foreign key"):
        JoinedRead(UserTask, ("completed_by", ()))
