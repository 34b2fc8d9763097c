"""modify_instance and set_instance_variables: operators moving tokens and fixing variables.

Each change is an ordinary kernel command, so the hash chain and replay (verify_instance)
must still hold afterwards.
"""

from __future__ import annotations

import pytest

from engine.services import InvalidInput, InvalidState, NotFound, deploy, start_instance
from engine.services.modification import modify_instance, set_instance_variables
from engine.store.models import Event, Job, UserTask
from engine.store.verify import verify_instance
from tests.services.models import document, flow, review_process, service_chain_process

pytestmark = pytest.mark.django_db


def nested_process() -> str:
    """start -> sub (inner_start -> inner_task -> inner_other (users) -> inner_end) -> after (user) -> end."""
    return document(
        "nested",
        '<startEvent id="start"/>\n'
        '<subProcess id="sub">\n'
        '<startEvent id="inner_start"/>\n<userTask id="inner_task" name="Inner"/>\n'
        '<userTask id="inner_other" name="Other"/>\n<endEvent id="inner_end"/>\n'
        + flow("i1", "inner_start", "inner_task")
        + flow("i2", "inner_task", "inner_other")
        + flow("i3", "inner_other", "inner_end")
        + "</subProcess>\n"
        '<userTask id="after" name="After"/>\n<endEvent id="end"/>\n'
        + flow("f1", "start", "sub")
        + flow("f2", "sub", "after")
        + flow("f3", "after", "end"),
    )


def open_tasks(instance_id: int) -> list[str]:
    return sorted(
        UserTask.objects.filter(instance_id=instance_id, status="open").values_list("node_id", flat=True)
    )


def test_it_moves_a_waiting_token_to_another_node() -> None:
    instance = start_instance(definition=deploy(service_chain_process()))

    after = modify_instance(instance_id=instance.pk, cancel_nodes=["greet"], start_nodes=["check"])

    assert after.status == "running"
    jobs = dict(Job.objects.filter(instance=instance).values_list("node_id", "status"))
    assert jobs == {"greet": "cancelled", "check": "pending"}
    terminated = Event.objects.get(instance=instance, type="token_terminated")
    assert (terminated.node_id, terminated.payload["reason"]) == ("greet", "modified")
    assert verify_instance(after) == []


def test_cancelling_the_last_token_without_a_start_completes_the_instance() -> None:
    instance = start_instance(definition=deploy(review_process()))

    after = modify_instance(instance_id=instance.pk, cancel_nodes=["review"])

    assert after.status == "completed"
    assert UserTask.objects.get(instance=instance).status == "cancelled"
    assert verify_instance(after) == []


def test_it_starts_a_token_inside_a_running_subprocess() -> None:
    instance = start_instance(definition=deploy(nested_process()))

    after = modify_instance(instance_id=instance.pk, cancel_nodes=["inner_task"], start_nodes=["inner_other"])

    assert open_tasks(instance.pk) == ["inner_other"]
    assert after.status == "running"
    assert verify_instance(after) == []


def test_cancelling_a_subprocess_withdraws_its_inner_tokens() -> None:
    instance = start_instance(definition=deploy(nested_process()))

    after = modify_instance(instance_id=instance.pk, cancel_nodes=["sub"], start_nodes=["after"])

    assert open_tasks(instance.pk) == ["after"]
    assert UserTask.objects.get(instance=instance, node_id="inner_task").status == "cancelled"
    assert verify_instance(after) == []


def test_it_refuses_to_start_inside_a_subprocess_that_is_not_running() -> None:
    instance = start_instance(definition=deploy(nested_process()))
    modify_instance(instance_id=instance.pk, cancel_nodes=["sub"], start_nodes=["after"])

    with pytest.raises(InvalidState, match="subprocess 'sub' is not running"):
        modify_instance(instance_id=instance.pk, start_nodes=["inner_task"])

    assert open_tasks(instance.pk) == ["after"]


def test_it_refuses_unknown_nodes_and_nodes_without_a_token_changing_nothing() -> None:
    instance = start_instance(definition=deploy(review_process()))
    version = instance.version

    with pytest.raises(InvalidInput, match="'ghost'"):
        modify_instance(instance_id=instance.pk, cancel_nodes=["ghost"])
    with pytest.raises(InvalidState, match="no token is at 'end'"):
        modify_instance(instance_id=instance.pk, cancel_nodes=["end"], start_nodes=["review"])
    with pytest.raises(InvalidInput):
        modify_instance(instance_id=instance.pk)
    with pytest.raises(NotFound):
        modify_instance(instance_id=999999, cancel_nodes=["review"])

    instance.refresh_from_db()
    assert instance.version == version
    assert open_tasks(instance.pk) == ["review"]


def test_it_sets_variables_and_refuses_an_ended_instance() -> None:
    instance = start_instance(definition=deploy(review_process()), variables={"amount": 1})

    after = set_instance_variables(instance_id=instance.pk, variables={"amount": 2, "note": "fixed"})
    modify_instance(instance_id=instance.pk, cancel_nodes=["review"])

    assert after.variables == {"amount": 2, "note": "fixed"}
    assert verify_instance(after) == []
    with pytest.raises(InvalidState, match="completed, not running"):
        set_instance_variables(instance_id=instance.pk, variables={"amount": 3})
    with pytest.raises(InvalidInput):
        set_instance_variables(instance_id=instance.pk, variables={})
