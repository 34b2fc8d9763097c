"""What a handler sees of its instance's variables: current, read-only, and read only if it looks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from engine.services import deploy, start_instance
from engine.services.jobs import HandlerSucceeded, invoke_handler
from engine.store.models import Job, ProcessInstance
from tests.services.models import document, flow

pytestmark = pytest.mark.django_db

FUNCTIONS = "tests.handlers.python_functions"


def one_task(attributes: str, fields: str = "") -> str:
    return document(
        "vars",
        '<startEvent id="start"/>\n'
        f'<serviceTask id="work" {attributes}><extensionElements>{fields}</extensionElements></serviceTask>\n'
        '<endEvent id="end"/>\n' + flow("f1", "start", "work") + flow("f2", "work", "end"),
    )


def test_a_handler_that_never_looks_at_the_variables_costs_no_query_for_them() -> None:
    instance = start_instance(definition=deploy(one_task('bpm:type="noop"')), variables={"big": "x" * 1000})
    job = Job.objects.get(instance=instance)

    with CaptureQueriesContext(connection) as queries:
        assert invoke_handler(job) == HandlerSucceeded({})

    assert not [q["sql"] for q in queries.captured_queries if "engine_processinstance" in q["sql"]]


def test_a_handler_reads_the_variables_as_they_are_when_it_looks(settings: Settings) -> None:
    settings.BPM_PYTHON_HANDLERS = [f"{FUNCTIONS}.*"]
    function = f'<bpm:field name="function" value="{FUNCTIONS}:greet"/>'
    instance = start_instance(
        definition=deploy(one_task('bpm:type="python"', function)), variables={"name": "Ann"}
    )
    job = Job.objects.get(instance=instance)
    # Changed after the job was created and claimed: the handler sees the stored value.
    ProcessInstance.objects.filter(pk=instance.pk).update(variables={"name": "Bo"})

    outcome = invoke_handler(job)

    assert outcome == HandlerSucceeded(
        {"greeting": "Hello, Bo!", "seenBy": ["work", str(job.idempotency_key)]}
    )


def test_the_variables_a_handler_sees_are_read_only_and_copy_into_a_dict(settings: Settings) -> None:
    settings.BPM_PYTHON_HANDLERS = [f"{FUNCTIONS}.*"]
    function = f'<bpm:field name="function" value="{FUNCTIONS}:tries_to_change_variables"/>'
    instance = start_instance(
        definition=deploy(one_task('bpm:type="python"', function)), variables={"total": 3, "items": [1]}
    )

    outcome = invoke_handler(Job.objects.get(instance=instance))

    assert outcome == HandlerSucceeded({"copy": {"total": 3, "items": [1]}, "refused": "TypeError"})
