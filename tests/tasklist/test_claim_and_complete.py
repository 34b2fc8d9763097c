"""Claim, unclaim, complete: who may act on a user task, and what a person's submission must be."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from engine.services import (
    InvalidState,
    InvalidVariables,
    PermissionDenied,
    claim_user_task,
    complete_user_task,
    unclaim_user_task,
)
from engine.store.models import UserTask
from tests.tasklist.processes import instance_of, person, start_leave

pytestmark = pytest.mark.django_db


def test_a_group_member_claims_a_task_and_the_others_can_no_longer_take_it() -> None:
    ada, bob = person("ada", "clerks"), person("bob", "clerks")
    task = start_leave()

    assert claim_user_task(task_id=task.pk, user=ada).assignee == "ada"
    assert claim_user_task(task_id=task.pk, user=ada).assignee == "ada"  # again: no-op

    with pytest.raises(InvalidState, match="is claimed by ada, so you cannot claim it"):
        claim_user_task(task_id=task.pk, user=bob)
    with pytest.raises(InvalidState, match="is claimed by ada, so you cannot complete it"):
        complete_user_task(task_id=task.pk, variables={"days": 2}, user=bob)
    with pytest.raises(InvalidState, match="is claimed by ada, so you cannot give it back"):
        unclaim_user_task(task_id=task.pk, user=bob)


def test_someone_outside_the_candidate_groups_may_not_see_or_act() -> None:
    eve = person("eve", "sales")
    task = start_leave()

    for act in (
        lambda: claim_user_task(task_id=task.pk, user=eve),
        lambda: complete_user_task(task_id=task.pk, variables={"days": 2}, user=eve),
        lambda: unclaim_user_task(task_id=task.pk, user=eve),
    ):
        with pytest.raises(PermissionDenied):
            act()
    task.refresh_from_db()
    assert (task.status, task.assignee) == ("open", "")


def test_a_stranger_does_not_learn_that_a_task_was_completed() -> None:
    ada, eve = person("ada", "clerks"), person("eve")
    task = start_leave()
    complete_user_task(task_id=task.pk, variables={"days": 2}, user=ada)

    with pytest.raises(PermissionDenied):
        complete_user_task(task_id=task.pk, variables={"days": 2}, user=eve)
    with pytest.raises(InvalidState, match="already completed"):
        complete_user_task(task_id=task.pk, variables={"days": 2}, user=ada)


def test_an_anonymous_user_is_refused() -> None:
    task = start_leave()

    with pytest.raises(PermissionDenied, match="log in"):
        complete_user_task(task_id=task.pk, variables={"days": 2}, user=AnonymousUser())


def test_giving_a_task_back_puts_it_in_the_group_queue_again() -> None:
    ada, bob = person("ada", "clerks"), person("bob", "clerks")
    task = start_leave()
    claim_user_task(task_id=task.pk, user=ada)

    assert unclaim_user_task(task_id=task.pk, user=ada).assignee == ""
    assert claim_user_task(task_id=task.pk, user=bob).assignee == "bob"
    unclaim_user_task(task_id=task.pk, user=bob)
    with pytest.raises(InvalidState, match="not claimed by anyone"):
        unclaim_user_task(task_id=task.pk, user=bob)


def test_a_candidate_may_complete_an_unclaimed_task_directly() -> None:
    ada = person("ada", "clerks")
    task = start_leave()

    instance = complete_user_task(task_id=task.pk, variables={"days": "4", "approved": True}, user=ada)

    task.refresh_from_db()
    assert (task.status, task.completed_by) == ("completed", ada)
    assert instance.status == "completed"
    assert instance.variables == {"days": 4, "approved": True, "booked": 4}


def test_a_candidate_user_named_in_the_model_may_act_without_a_group() -> None:
    carol = person("carol")
    task = start_leave(assignment='bpm:candidateUsers="carol, dave"')

    assert claim_user_task(task_id=task.pk, user=carol).assignee == "carol"


def test_the_assignee_named_by_the_model_may_complete_and_others_may_not() -> None:
    alice, ada = person("alice"), person("ada", "clerks")
    task = start_leave(assignment='bpm:assignee="alice" bpm:candidateGroups="clerks"')

    with pytest.raises(InvalidState, match="claimed by alice"):
        claim_user_task(task_id=task.pk, user=ada)
    complete_user_task(task_id=task.pk, variables={"days": 1}, user=alice)
    assert instance_of(task).status == "completed"


def test_a_superuser_may_act_on_any_task() -> None:
    root = person("root", superuser=True)
    task = start_leave(assignment="")

    claim_user_task(task_id=task.pk, user=root)
    complete_user_task(task_id=task.pk, variables={"days": 1}, user=root)

    assert instance_of(task).status == "completed"


def test_a_submission_that_breaks_the_form_changes_nothing_and_names_each_field() -> None:
    ada = person("ada", "clerks")
    task = start_leave(variables={"requester": "zoe"})
    claim_user_task(task_id=task.pk, user=ada)

    with pytest.raises(InvalidVariables) as caught:
        complete_user_task(
            task_id=task.pk, variables={"days": "31", "kind": "cruise", "boss": "me"}, user=ada
        )

    assert caught.value.field_errors == {
        "boss": "is not a field of this form",
        "days": "must be at most 30",
        "kind": "must be one of: holiday, sick",
    }
    task.refresh_from_db()
    assert task.status == "open"
    assert instance_of(task).variables == {"requester": "zoe"}


def test_trusted_internal_callers_are_not_held_to_the_form() -> None:
    # bpm run --complete, scripts and tests pass user=None: no permission check, no form check.
    task = start_leave()

    instance = complete_user_task(task_id=task.pk, variables={"days": 99, "extra": "x"})

    assert instance.variables == {"days": 99, "extra": "x", "booked": 99}


@pytest.mark.django_db(transaction=True)
def test_of_two_people_claiming_at_once_exactly_one_wins() -> None:
    people = [person(f"clerk{number}", "clerks") for number in range(4)]
    task = start_leave()
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def claim(user: object) -> None:
        barrier.wait()
        try:
            claim_user_task(task_id=task.pk, user=user)
            outcomes.append("won")
        except InvalidState as error:
            outcomes.append(str(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(user,)) for user in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winner = UserTask.objects.get(pk=task.pk).assignee
    assert outcomes.count("won") == 1
    assert winner in {user.username for user in people}
    assert all(f"is claimed by {winner}" in outcome for outcome in outcomes if outcome != "won")
