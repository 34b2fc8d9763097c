"""Every endpoint checks roles: anonymous callers get 401, callers without the role 403.

viewers read; operators start, cancel, modify, set variables, correlate, broadcast, retry;
modelers deploy; operators and modelers suspend and activate. User task endpoints need only
a login (test_tasks.py proves nobody reaches another person's task).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from engine.roles import MODELERS, OPERATORS, ROLES, VIEWERS
from engine.services import deploy, fail_job, start_instance
from engine.store.models import Incident, Job, ProcessDefinition, ProcessInstance
from tests.api.conftest import ClientFor
from tests.services.models import review_process, service_chain_process

pytestmark = pytest.mark.django_db

READ = {VIEWERS, OPERATORS, MODELERS}
OPERATE = {OPERATORS}
MODEL = {MODELERS}
SUSPEND = {OPERATORS, MODELERS}

#: (method, path template, JSON body, roles allowed). {d} definition, {i} instance, {j} job, {n} incident.
ENDPOINTS = [
    ("get", "/api/v1/definitions", None, READ),
    ("post", "/api/v1/definitions", {"xml": "<definitions/>"}, MODEL),
    ("get", "/api/v1/definitions/{d}", None, READ),
    ("get", "/api/v1/definitions/{d}/xml", None, READ),
    ("get", "/api/v1/definitions/{d}/statistics", None, READ),
    ("post", "/api/v1/definitions/{d}/suspend", None, SUSPEND),
    ("post", "/api/v1/definitions/{d}/activate", None, SUSPEND),
    ("get", "/api/v1/instances", None, READ),
    ("post", "/api/v1/instances", {"definition_key": "chain"}, OPERATE),
    ("get", "/api/v1/instances/{i}", None, READ),
    ("post", "/api/v1/instances/{i}/cancel", {}, OPERATE),
    ("get", "/api/v1/instances/{i}/variables", None, READ),
    ("patch", "/api/v1/instances/{i}/variables", {"variables": {"a": 1}}, OPERATE),
    ("get", "/api/v1/instances/{i}/history", None, READ),
    ("get", "/api/v1/instances/{i}/tokens", None, READ),
    ("post", "/api/v1/instances/{i}/modify", {"cancel_nodes": ["greet"], "start_nodes": ["end"]}, OPERATE),
    ("post", "/api/v1/messages", {"name": "Nothing", "ttl_seconds": 5}, OPERATE),
    ("post", "/api/v1/signals", {"name": "Nothing"}, OPERATE),
    ("get", "/api/v1/jobs", None, READ),
    ("post", "/api/v1/jobs/{j}/retry", None, OPERATE),
    ("post", "/api/v1/jobs/{j}/retries", {"retries": 1}, OPERATE),
    ("get", "/api/v1/incidents", None, READ),
    ("post", "/api/v1/incidents/{n}/retry", None, OPERATE),
]
LOGIN_ONLY = [
    ("get", "/api/v1/tasks", None),
    ("get", "/api/v1/tasks/1", None),
    ("post", "/api/v1/tasks/1/claim", None),
    ("post", "/api/v1/tasks/1/unclaim", None),
    ("post", "/api/v1/tasks/1/complete", {}),
    ("get", "/api/v1/schema", None),
    ("get", "/api/v1/docs", None),
]


@pytest.fixture
def ids() -> dict[str, int]:
    definition = deploy(service_chain_process())
    instance = start_instance(definition=definition)
    job = Job.objects.get(instance=instance)
    fail_job(job_id=job.pk, error="boom")
    return {
        "d": definition.pk,
        "i": instance.pk,
        "j": job.pk,
        "n": Incident.objects.get(instance=instance).pk,
    }


def call(client: APIClient, method: str, path: str, body: object) -> int:
    return getattr(client, method)(path, body, format="json").status_code


@pytest.mark.parametrize(
    ("method", "template", "body", "allowed"), ENDPOINTS, ids=[f"{e[0]} {e[1]}" for e in ENDPOINTS]
)
def test_each_endpoint_refuses_callers_without_its_role(
    method: str,
    template: str,
    body: object,
    allowed: set[str],
    ids: dict[str, int],
    make_user: Callable[..., User],
    client_for: ClientFor,
) -> None:
    path = template.format(**ids)
    definitions_before = ProcessDefinition.objects.count()
    instance_state = list(ProcessInstance.objects.values_list("pk", "status", "version"))

    assert call(client_for(None), method, path, body) == 401
    assert call(client_for(make_user("no-role")), method, path, body) == 403
    for role in sorted(set(ROLES) - allowed):
        assert call(client_for(make_user(f"only-{role}", role)), method, path, body) == 403, role
    # Nothing changed for all those refusals.
    assert ProcessDefinition.objects.count() == definitions_before
    assert list(ProcessInstance.objects.values_list("pk", "status", "version")) == instance_state
    for role in sorted(allowed):
        answer = call(client_for(make_user(f"with-{role}", role)), method, path, body)
        assert answer not in (401, 403), (role, answer)


@pytest.mark.parametrize(("method", "path", "body"), LOGIN_ONLY, ids=[f"{e[0]} {e[1]}" for e in LOGIN_ONLY])
def test_task_and_schema_endpoints_need_a_login(method: str, path: str, body: object) -> None:
    assert call(APIClient(), method, path, body) == 401


def test_an_unauthenticated_answer_says_how_to_authenticate() -> None:
    answer = APIClient().get("/api/v1/instances")

    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Token"
    assert answer.json()["type"] == "urn:bpmportal:problem:not-authenticated"


def test_a_forbidden_answer_names_the_roles_needed(viewer: APIClient) -> None:
    answer = viewer.post("/api/v1/instances", {"definition_key": "x"}, format="json")

    assert answer.status_code == 403
    assert answer.json()["detail"] == "you need one of the roles operators for this"


def test_a_superuser_holds_every_role(make_user: Callable[..., User], client_for: ClientFor) -> None:
    admin = client_for(make_user("root", superuser=True))

    assert admin.post("/api/v1/definitions", {"xml": review_process()}, format="json").status_code == 201


def test_the_session_of_a_portal_login_works_with_csrf(make_user: Callable[..., User]) -> None:
    make_user("vera", VIEWERS)
    browser = APIClient(enforce_csrf_checks=True)
    assert browser.login(username="vera", password="pw-vera")

    read = browser.get("/api/v1/definitions")
    write_without_csrf = browser.post("/api/v1/instances", {"definition_key": "x"}, format="json")

    assert read.status_code == 200
    assert write_without_csrf.status_code == 403
    assert "CSRF" in write_without_csrf.json()["detail"]


def test_the_role_groups_exist_after_migrating() -> None:
    from django.contrib.auth.models import Group

    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)
