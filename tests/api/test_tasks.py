"""User tasks through the API: each person sees and acts on their own tasks only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from engine.services import deploy, start_instance
from engine.store.models import ProcessInstance, UserTask
from tests.api.conftest import ClientFor
from tests.services.models import document, flow, review_process

pytestmark = pytest.mark.django_db


def group_task_process() -> str:
    """start -> approve (unassigned; candidates: the clerks group; a required long field) -> end."""
    return document(
        "approval",
        '<startEvent id="start"/>\n'
        '<userTask id="approve" name="Approve" bpm:candidateGroups="clerks">\n'
        "<extensionElements>"
        '<bpm:formField id="amount" label="Amount" type="long" required="true"/>'
        "</extensionElements>\n"
        "</userTask>\n"
        '<endEvent id="end"/>\n' + flow("f1", "start", "approve") + flow("f2", "approve", "end"),
    )


@pytest.fixture
def task(db: None) -> UserTask:
    instance = start_instance(definition=deploy(group_task_process()))
    return UserTask.objects.get(instance=instance)


@pytest.fixture
def clerk(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    return client_for(make_user("carl", groups=("clerks",)))


@pytest.fixture
def other_clerk(make_user: Callable[..., User], client_for: ClientFor) -> APIClient:
    return client_for(make_user("cleo", groups=("clerks",)))


def test_a_candidate_sees_the_task_and_a_stranger_does_not(
    task: UserTask, clerk: APIClient, nobody: APIClient
) -> None:
    mine = clerk.get("/api/v1/tasks").json()
    theirs = nobody.get("/api/v1/tasks").json()

    assert [t["id"] for t in mine["results"]] == [task.pk]
    assert mine["results"][0]["form_fields"][0]["id"] == "amount"
    assert theirs["count"] == 0
    assert nobody.get(f"/api/v1/tasks/{task.pk}").status_code == 404


def test_it_lists_by_scope_and_instance(task: UserTask, clerk: APIClient) -> None:
    other = start_instance(definition=task.instance.definition)

    claimable = clerk.get("/api/v1/tasks?scope=claimable").json()
    mine = clerk.get("/api/v1/tasks?scope=mine").json()
    of_other = clerk.get(f"/api/v1/tasks?instance_id={other.pk}").json()

    assert claimable["count"] == 2
    assert mine["count"] == 0
    assert [t["instance"] for t in of_other["results"]] == [other.pk]


def test_claim_makes_it_mine_and_hides_it_from_the_other_candidates(
    task: UserTask, clerk: APIClient, other_clerk: APIClient
) -> None:
    claimed = clerk.post(f"/api/v1/tasks/{task.pk}/claim")
    mine = clerk.get("/api/v1/tasks?scope=mine").json()
    refused = other_clerk.post(
        f"/api/v1/tasks/{task.pk}/complete", {"variables": {"amount": 1}}, format="json"
    )

    assert claimed.json()["assignee"] == "carl"
    assert [t["id"] for t in mine["results"]] == [task.pk]
    assert other_clerk.get("/api/v1/tasks").json()["count"] == 0
    assert refused.status_code in (404, 409)
    task.refresh_from_db()
    assert task.status == "open"


def test_unclaim_gives_it_back(task: UserTask, clerk: APIClient, other_clerk: APIClient) -> None:
    clerk.post(f"/api/v1/tasks/{task.pk}/claim")

    given_back = clerk.post(f"/api/v1/tasks/{task.pk}/unclaim")

    assert given_back.json()["assignee"] == ""
    assert other_clerk.get("/api/v1/tasks").json()["count"] == 1


def test_complete_checks_the_form_field_by_field(task: UserTask, clerk: APIClient) -> None:
    refused = clerk.post(
        f"/api/v1/tasks/{task.pk}/complete", {"variables": {"amount": "lots"}}, format="json"
    )
    done = clerk.post(f"/api/v1/tasks/{task.pk}/complete", {"variables": {"amount": 12}}, format="json")
    again = clerk.post(f"/api/v1/tasks/{task.pk}/complete", {"variables": {"amount": 12}}, format="json")

    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["variables.amount"]
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    instance = ProcessInstance.objects.get(pk=task.instance_id)
    assert (instance.status, instance.variables) == ("completed", {"amount": 12})
    assert again.status_code == 409


def test_nobody_reaches_another_persons_task(
    make_user: Callable[..., User], client_for: ClientFor, clerk: APIClient
) -> None:
    """Alice's task is out of reach for people outside its candidates, even for an operator
    holding every role: 404, as if it did not exist. A candidate (a clerk) is told who holds it."""
    instance = start_instance(definition=deploy(review_process()), variables={"amount": 1})
    task = UserTask.objects.get(instance=instance)
    operator = client_for(make_user("olga", "operators", "viewers", "modelers"))
    driver = client_for(make_user("dan", groups=("drivers",)))

    for intruder in (operator, driver):
        assert intruder.get(f"/api/v1/tasks/{task.pk}").status_code == 404
        for action in ("claim", "unclaim", "complete"):
            answer = intruder.post(
                f"/api/v1/tasks/{task.pk}/{action}", {"variables": {"amount": 2}}, format="json"
            )
            assert answer.status_code == 404, (action, answer.content)
            assert "alice" not in answer.content.decode()
    for action in ("claim", "unclaim", "complete"):
        answer = clerk.post(f"/api/v1/tasks/{task.pk}/{action}", {"variables": {"amount": 2}}, format="json")
        assert answer.status_code == 409, (action, answer.content)
        assert "claimed by alice" in answer.json()["detail"]
    task.refresh_from_db()
    assert (task.status, task.assignee) == ("open", "alice")
    alice = client_for(make_user("alice"))
    done = alice.post(f"/api/v1/tasks/{task.pk}/complete", {"variables": {"amount": 2}}, format="json")
    assert done.status_code == 200
