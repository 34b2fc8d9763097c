"""suspend_definition / activate_definition: a suspended version starts nothing; running ones go on."""

from __future__ import annotations

import pytest

from engine.services import InvalidState, NotFound, deploy, start_instance
from engine.services.definitions import activate_definition, suspend_definition
from engine.store.models import ProcessInstance
from tests.services.models import review_process

pytestmark = pytest.mark.django_db


def test_a_suspended_definition_refuses_new_instances_until_activated() -> None:
    definition = deploy(review_process())
    running = start_instance(definition=definition)

    suspended = suspend_definition(definition_id=definition.pk)
    with pytest.raises(InvalidState, match="order_review' version 1 is suspended"):
        start_instance(key="order_review")
    again = suspend_definition(definition_id=definition.pk)
    activate_definition(definition_id=definition.pk)
    started = start_instance(key="order_review")

    assert suspended.suspended and again.suspended
    assert ProcessInstance.objects.get(pk=running.pk).status == "running"
    assert started.status == "running"


def test_it_says_when_the_definition_does_not_exist() -> None:
    with pytest.raises(NotFound, match="process definition 4711 does not exist"):
        suspend_definition(definition_id=4711)
    with pytest.raises(NotFound):
        activate_definition(definition_id=4711)
