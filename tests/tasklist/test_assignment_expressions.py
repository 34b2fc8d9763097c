"""Assignee, candidates and due dates written as ${...} are evaluated when the task opens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.store import clock
from tests.tasklist.processes import start_leave

pytestmark = pytest.mark.django_db


def test_it_evaluates_the_assignee_and_candidates_with_the_instance_variables() -> None:
    task = start_leave(
        assignment='bpm:assignee="${requester.manager}" bpm:candidateGroups="${team}, hr" '
        'bpm:candidateUsers="${deputies}"',
        variables={"requester": {"manager": "maria"}, "team": "clerks", "deputies": ["dan", "dora"]},
    )

    assert task.assignee == "maria"
    assert task.candidate_groups == ["clerks", "hr"]
    assert task.candidate_users == ["dan", "dora"]
    assert sorted(task.candidates.values_list("kind", "name")) == [
        ("group", "clerks"),
        ("group", "hr"),
        ("user", "dan"),
        ("user", "dora"),
    ]


def test_an_expression_that_fails_leaves_the_task_unassigned_instead_of_stopping_the_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    task = start_leave(assignment='bpm:assignee="${boss}" bpm:candidateGroups="clerks"')

    assert (task.status, task.assignee, task.candidate_groups) == ("open", "", ["clerks"])
    assert "user task 'approve' assignee" in caplog.text


def test_it_resolves_a_due_date_duration_from_when_the_task_opened() -> None:
    task = start_leave(
        assignment='bpm:candidateGroups="clerks" bpm:dueDate="${reviewDays}"', variables={"reviewDays": "P2D"}
    )

    due = datetime.fromisoformat(task.due_date)
    assert abs(due - (task.created_at + timedelta(days=2))) < timedelta(seconds=2)
    assert due.utcoffset() == timedelta(0)
    assert clock.now() < due
