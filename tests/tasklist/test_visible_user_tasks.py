"""visible_user_tasks and the inbox: each person sees their own and their groups' tasks, nobody else's."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from engine.selectors.tasks import inbox, visible_user_tasks
from engine.services import claim_user_task, complete_user_task
from tests.tasklist.processes import person, start_leave

pytestmark = pytest.mark.django_db


def names(tasks: object) -> list[str]:
    return [task.instance.business_key for task in tasks]


def test_candidates_see_unclaimed_tasks_and_lose_them_when_someone_claims() -> None:
    ada, bob, eve = person("ada", "clerks"), person("bob", "clerks"), person("eve", "sales")
    first, second = start_leave("L-1"), start_leave("L-2")

    assert sorted(names(visible_user_tasks(bob))) == ["L-1", "L-2"]
    assert names(visible_user_tasks(eve)) == []

    claim_user_task(task_id=first.pk, user=ada)

    assert names(visible_user_tasks(bob)) == ["L-2"]
    assert sorted(names(visible_user_tasks(ada))) == ["L-1", "L-2"]
    assert names(inbox(ada, scope="mine")) == ["L-1"]
    assert names(inbox(ada, scope="claimable")) == ["L-2"]
    assert second.pk in {task.pk for task in visible_user_tasks(bob)}


def test_a_completed_task_stays_visible_to_whoever_completed_it_but_leaves_the_inbox() -> None:
    ada = person("ada", "clerks")
    task = start_leave("L-1")
    complete_user_task(task_id=task.pk, variables={"days": 1}, user=ada)

    assert names(visible_user_tasks(ada)) == ["L-1"]
    assert names(inbox(ada)) == []


def test_superusers_see_tasks_nobody_else_can_reach_and_anonymous_users_see_nothing() -> None:
    root = person("root", superuser=True)
    start_leave("orphan", assignment="")

    assert names(visible_user_tasks(root)) == ["orphan"]
    assert names(visible_user_tasks(person("ada", "clerks"))) == []
    assert names(visible_user_tasks(AnonymousUser())) == []


def test_the_inbox_filters_by_process_and_sorts_by_due_date() -> None:
    ada = person("ada", "clerks")
    later = start_leave("later", assignment='bpm:candidateGroups="clerks" bpm:dueDate="P3D"')
    start_leave("no-due-date")
    sooner = start_leave("sooner", assignment='bpm:candidateGroups="clerks" bpm:dueDate="PT2H"')

    assert names(inbox(ada, sort="due")) == ["sooner", "later", "no-due-date"]
    assert names(inbox(ada, sort="oldest")) == ["later", "no-due-date", "sooner"]
    assert names(inbox(ada, process="leave", sort="created")) == ["sooner", "no-due-date", "later"]
    assert names(inbox(ada, process="other")) == []
    assert later.due_date > sooner.due_date
