"""A user task modelled in Camunda Modeler (camunda:formData) gets the same tasklist form and checks."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.services import deploy, start_instance
from engine.store.models import UserTask
from tests.services.models import document, flow
from tests.tasklist.processes import person

pytestmark = pytest.mark.django_db

CAMUNDA_TASK = (
    '<userTask id="check" name="Check invoice" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
    'camunda:candidateGroups="accounting">\n'
    "<extensionElements><camunda:formData>"
    '<camunda:formField id="amount" label="Amount" type="long"><camunda:validation>'
    '<camunda:constraint name="required"/><camunda:constraint name="min" config="1"/>'
    "</camunda:validation></camunda:formField>"
    '<camunda:formField id="vendor" label="Vendor" type="string" defaultValue="${supplier}">'
    '<camunda:validation><camunda:constraint name="readonly"/></camunda:validation></camunda:formField>'
    "</camunda:formData></extensionElements>\n"
    "</userTask>\n"
)


def test_a_camunda_form_is_shown_checked_and_completed(client: Client) -> None:
    definition = deploy(
        document(
            "invoice",
            '<startEvent id="start"/>\n'
            + CAMUNDA_TASK
            + '<endEvent id="end"/>\n'
            + flow("f1", "start", "check")
            + flow("f2", "check", "end"),
        )
    )
    instance = start_instance(definition=definition, variables={"supplier": "ACME"})
    task = UserTask.objects.get(instance=instance)
    client.force_login(person("olga", "accounting"))
    client.post(f"/tasks/{task.pk}/claim")

    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert 'name="amount" value="" required step="1" min="1"' in page
    assert 'name="vendor" value="ACME" readonly' in page  # the default, rendered, not editable

    refused = client.post(f"/tasks/{task.pk}/complete", {"amount": "0"})
    assert "Amount must be at least 1" in refused.content.decode()

    client.post(f"/tasks/{task.pk}/complete", {"amount": "250"})
    instance.refresh_from_db()
    assert (instance.status, instance.variables) == ("completed", {"supplier": "ACME", "amount": 250})
