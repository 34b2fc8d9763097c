"""complete_user_task: the token moves on with the variables; a closed task says why it is closed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from engine.services import (
    InvalidState,
    InvalidVariables,
    NotFound,
    cancel_instance,
    complete_user_task,
    deploy,
    start_instance,
)
from engine.store.models import Event, UserTask
from engine.store.verify import verify_instance
from tests.services.models import parallel_process, review_process

pytestmark = pytest.mark.django_db


def test_it_opens_the_task_with_its_assignment_and_form() -> None:
    instance = start_instance(definition=deploy(review_process()))

    task = UserTask.objects.get(instance=instance)

    assert (task.node_id, task.name, task.assignee, task.form_key) == (
        "review",
        "Review the order",
        "alice",
        "review-form",
    )
    assert task.candidate_groups == ["clerks", "managers"]
    assert task.form_fields == [
        {
            "id": "amount",
            "label": "Amount",
            "type": "long",
            "required": True,
            "default": None,
            "values": [],
            "constraints": [],
        }
    ]


def test_it_completes_the_task_and_moves_the_token_on() -> None:
    user = get_user_model().objects.create_user("alice", password="x")
    instance = start_instance(definition=deploy(review_process()), variables={"amount": 5})
    task = UserTask.objects.get(instance=instance)

    # alice is the assignee; what she sends is the task's form (amount), checked by engine.forms.
    done = complete_user_task(task_id=task.pk, variables={"amount": "7"}, user=user)

    task.refresh_from_db()
    assert (task.status, task.completed_by) == ("completed", user)
    assert task.completed_at is not None
    assert (done.status, done.variables) == ("completed", {"amount": 7})
    assert verify_instance(done) == []


def test_it_refuses_to_complete_a_task_twice_and_records_nothing_more() -> None:
    instance = start_instance(definition=deploy(parallel_process(2)))
    task = UserTask.objects.filter(instance=instance).first()
    complete_user_task(task_id=task.pk)
    events = Event.objects.filter(instance=instance).count()

    with pytest.raises(InvalidState, match="is already completed"):
        complete_user_task(task_id=task.pk)

    assert Event.objects.filter(instance=instance).count() == events


def test_it_refuses_to_complete_a_cancelled_task_explaining_why() -> None:
    instance = start_instance(definition=deploy(review_process()))
    task = UserTask.objects.get(instance=instance)
    cancel_instance(instance_id=instance.pk)

    with pytest.raises(InvalidState, match=r"was cancelled .* can no longer be completed"):
        complete_user_task(task_id=task.pk)


def test_it_refuses_variables_that_are_not_a_json_object() -> None:
    instance = start_instance(definition=deploy(review_process()))
    task = UserTask.objects.get(instance=instance)

    with pytest.raises(InvalidVariables):
        complete_user_task(task_id=task.pk, variables=["approved"])

    task.refresh_from_db()
    assert task.status == "open"


def test_it_says_when_the_task_does_not_exist() -> None:
    with pytest.raises(NotFound, match="user task 12345 does not exist"):
        complete_user_task(task_id=12345)
