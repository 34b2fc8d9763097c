"""The operator console lists every engine table; nothing in it can write engine rows."""

from __future__ import annotations

import pytest
from django.test import Client

from engine.services import deploy, start_instance
from engine.store.models import Event, UserTask
from tests.services.models import review_process

pytestmark = pytest.mark.django_db

TABLES = (
    "processdefinition",
    "processinstance",
    "token",
    "event",
    "joinfiring",
    "job",
    "usertask",
    "incident",
)


@pytest.fixture
def instance_id() -> int:
    return start_instance(definition=deploy(review_process()), business_key="order-7").pk


def test_it_lists_every_engine_table(admin_client: Client, instance_id: int) -> None:
    statuses = {table: admin_client.get(f"/admin/engine/{table}/").status_code for table in TABLES}

    assert statuses == dict.fromkeys(TABLES, 200)


def test_it_finds_instances_by_business_key(admin_client: Client, instance_id: int) -> None:
    response = admin_client.get("/admin/engine/processinstance/", {"q": "order-7"})

    assert f"/admin/engine/processinstance/{instance_id}/change/" in response.content.decode()


def test_it_shows_events_read_only(admin_client: Client, instance_id: int) -> None:
    event = Event.objects.filter(instance_id=instance_id).first()

    page = admin_client.get(f"/admin/engine/event/{event.pk}/change/")
    posted = admin_client.post(f"/admin/engine/event/{event.pk}/change/", {"node_id": "forged"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert posted.status_code == 403
    assert admin_client.get("/admin/engine/event/add/").status_code == 403
    assert admin_client.post(f"/admin/engine/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk, node_id=event.node_id).exists()


def test_it_changes_no_task_from_the_admin(admin_client: Client, instance_id: int) -> None:
    task = UserTask.objects.get(instance_id=instance_id)

    posted = admin_client.post(f"/admin/engine/usertask/{task.pk}/change/", {"status": "completed"})

    assert posted.status_code == 403
    task.refresh_from_db()
    assert task.status == "open"
