"""The operator console (Django admin): every engine table, read-only; actions through the services."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from engine.services import deploy, fail_job, start_instance
from engine.store.models import Event, Incident, Job, ProcessDefinition, ProcessInstance
from tests.monitoring.live import user_with_role
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/engine/processinstance/"


def staff_client(role: str | None, username: str) -> Client:
    user = user_with_role(username, role)
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client = Client()
    client.force_login(User.objects.get(pk=user.pk))
    return client


def test_every_engine_model_is_in_the_console_and_its_list_opens() -> None:
    superuser = User.objects.create_superuser("root", password="pw")
    client = Client()
    client.force_login(superuser)
    start_instance(definition=deploy(review_process()))

    for model in apps.get_app_config("engine").get_models():
        assert admin.site.is_registered(model), model
        url = f"/admin/engine/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url


def test_an_operator_cancels_instances_after_confirming() -> None:
    definition = deploy(review_process())
    instances = [start_instance(definition=definition) for _ in range(2)]
    client = staff_client("operators", "olga")
    selection = {"action": "cancel", "_selected_action": [str(i.pk) for i in instances]}

    asked = client.post(CHANGELIST, selection)
    assert asked.status_code == 200
    assert "Yes, cancel instances" in asked.content.decode()
    assert set(ProcessInstance.objects.values_list("status", flat=True)) == {"running"}

    client.post(CHANGELIST, {**selection, "confirmed": "yes"})
    assert set(ProcessInstance.objects.values_list("status", flat=True)) == {"cancelled"}


def test_an_operator_retries_incidents_and_hears_about_the_ones_already_resolved() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))
    fail_job(job_id=Job.objects.get(instance=instance).pk, error="down")
    incident = Incident.objects.get()
    client = staff_client("operators", "olga")
    selection = {"action": "retry", "_selected_action": [str(incident.pk)], "confirmed": "yes"}

    client.post("/admin/engine/incident/", selection)
    again = client.post("/admin/engine/incident/", selection, follow=True)

    incident.refresh_from_db()
    assert incident.resolved_at is not None
    assert "already resolved" in again.content.decode()


def test_an_operator_suspends_and_activates_definitions() -> None:
    definition = deploy(review_process())
    client = staff_client("operators", "olga")
    for action, expected in (("suspend", True), ("activate", False)):
        client.post(
            "/admin/engine/processdefinition/",
            {"action": action, "_selected_action": [str(definition.pk)], "confirmed": "yes"},
        )
        assert ProcessDefinition.objects.get(pk=definition.pk).suspended is expected


def test_a_viewer_browses_but_is_offered_no_actions_and_cannot_run_them() -> None:
    instance = start_instance(definition=deploy(review_process()))
    client = staff_client("viewers", "vera")

    page = client.get(CHANGELIST)
    assert page.status_code == 200
    assert "Cancel the selected instances" not in page.content.decode()
    client.post(CHANGELIST, {"action": "cancel", "_selected_action": [str(instance.pk)], "confirmed": "yes"})
    instance.refresh_from_db()
    assert instance.status == "running"


def test_the_event_log_cannot_be_added_changed_or_deleted_even_by_a_superuser() -> None:
    superuser = User.objects.create_superuser("root", password="pw")
    client = Client()
    client.force_login(superuser)
    instance = start_instance(definition=deploy(review_process()))
    event = Event.objects.filter(instance=instance).first()
    assert event is not None

    assert client.get("/admin/engine/event/add/").status_code == 403
    assert client.post(f"/admin/engine/event/{event.pk}/delete/").status_code == 403
    change = client.post(f"/admin/engine/event/{event.pk}/change/", {"type": "instance_completed"})
    assert change.status_code == 403
    listing = client.get("/admin/engine/event/")
    assert 'name="action"' not in listing.content.decode()
    assert Event.objects.filter(instance=instance).count() == instance.last_seq
