"""start_instance: by definition or by key (latest version), with JSON-object variables."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from engine.services import InvalidInput, InvalidState, InvalidVariables, NotFound, deploy, start_instance
from engine.store.models import ProcessDefinition, ProcessInstance, Token, UserTask
from engine.store.verify import verify_instance
from tests.services.models import review_process

pytestmark = pytest.mark.django_db


def test_it_runs_the_new_instance_to_its_first_wait_state() -> None:
    user = get_user_model().objects.create_user("sam", password="x")
    definition = deploy(review_process())

    instance = start_instance(
        definition=definition, variables={"amount": 5}, business_key="order-7", user=user
    )

    assert (instance.status, instance.variables, instance.business_key) == (
        "running",
        {"amount": 5},
        "order-7",
    )
    assert instance.started_by == user
    assert Token.objects.get(instance=instance, status="waiting").node_id == "review"
    assert UserTask.objects.get(instance=instance).status == "open"
    assert verify_instance(instance) == []


def test_it_starts_the_latest_version_of_a_process_key() -> None:
    deploy(review_process(name="v1"))
    latest = deploy(review_process(name="v2"))

    assert start_instance(key="order_review").definition == latest


def test_it_starts_a_definition_given_by_id() -> None:
    definition = deploy(review_process())

    assert start_instance(definition=definition.pk).definition == definition


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([1, 2], "must be a JSON object such as"),
        ("amount=5", "not a string"),
        ({"when": object()}, "only JSON values"),
        ({"ratio": float("nan")}, "only JSON values"),
        ({1: "one"}, "every name must be a non-empty string"),
    ],
)
def test_it_refuses_variables_that_are_not_a_json_object(variables: object, message: str) -> None:
    deploy(review_process())

    with pytest.raises(InvalidVariables, match=message):
        start_instance(key="order_review", variables=variables)

    assert ProcessInstance.objects.count() == 0


def test_it_says_when_no_process_has_the_key() -> None:
    with pytest.raises(NotFound, match="no process with key 'missing' is deployed"):
        start_instance(key="missing")


def test_it_needs_exactly_one_of_definition_and_key() -> None:
    definition = deploy(review_process())

    with pytest.raises(InvalidInput):
        start_instance()
    with pytest.raises(InvalidInput):
        start_instance(definition=definition, key="order_review")


def test_it_starts_nothing_from_a_suspended_definition() -> None:
    definition = deploy(review_process())
    ProcessDefinition.objects.filter(pk=definition.pk).update(suspended=True)

    with pytest.raises(InvalidState, match="suspended"):
        start_instance(key="order_review")
