"""Which user tasks a person may see, and the inbox built on that.

The rules (Camunda-like; docs/tasklist.md):
- a task assigned to you is yours;
- an unassigned task is visible to its candidates: the users named in candidateUsers and the
  members of the groups (Django auth groups, by name) in candidateGroups;
- once someone claims a task, the other candidates no longer see it;
- a task you completed stays visible to you (your history);
- superusers see every task, so that an operator can always unblock one that nobody can
  reach (no candidates, or an assignee who left).
Anonymous users see nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from engine.store.models import CandidateKind, UserTask, UserTaskCandidate, UserTaskStatus

#: Inbox orderings: name -> order_by fields (newest first unless the name says otherwise).
INBOX_SORTS = {
    "created": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    # Tasks without a due date ("") sort after those with one.
    "due": (
        ExpressionWrapper(Q(due_date=""), output_field=BooleanField()).asc(),
        "due_date",
        "created_at",
        "pk",
    ),
    "process": ("instance__definition__key", "-created_at", "-pk"),
}

#: Inbox views: everything I may act on, only what is assigned to me, only what I can claim.
INBOX_SCOPES = ("all", "mine", "claimable")


def group_names(user: Any) -> list[str]:
    return list(user.groups.values_list("name", flat=True))


def visible_user_tasks(user: Any) -> QuerySet[UserTask]:
    """Every user task (any status) `user` may see; see the module doc for the rules."""
    if user is None or not user.is_authenticated:
        return UserTask.objects.none()
    if user.is_superuser:
        return UserTask.objects.all()
    return UserTask.objects.filter(
        Q(assignee=user.get_username())
        | (Q(assignee="") & Exists(_candidate_rows(user)))
        | Q(completed_by=user)
    )


def claimable_by(user: Any) -> Q:
    """Open, unassigned tasks where `user` is a candidate (superusers: every unassigned task)."""
    unassigned = Q(status=UserTaskStatus.OPEN, assignee="")
    return unassigned if user.is_superuser else unassigned & Q(Exists(_candidate_rows(user)))


def inbox(user: Any, *, scope: str = "all", process: str = "", sort: str = "created") -> QuerySet[UserTask]:
    """The open tasks of `user`'s inbox; unknown scope or sort values fall back to the defaults."""
    tasks = visible_user_tasks(user).filter(status=UserTaskStatus.OPEN)
    if scope == "mine":
        tasks = tasks.filter(assignee=user.get_username())
    elif scope == "claimable":
        tasks = tasks.filter(claimable_by(user))
    if process:
        tasks = tasks.filter(instance__definition__key=process)
    return tasks.select_related("instance__definition").order_by(
        *INBOX_SORTS.get(sort, INBOX_SORTS["created"])
    )


def is_candidate(task: UserTask, user: Any) -> bool:
    """Whether `user` is named by the task's candidate users or is in one of its candidate groups."""
    if user.get_username() in task.candidate_users:
        return True
    return bool(set(task.candidate_groups) & set(group_names(user)))


def _candidate_rows(user: Any) -> QuerySet[UserTaskCandidate]:
    return UserTaskCandidate.objects.filter(task=OuterRef("pk")).filter(
        Q(kind=CandidateKind.USER, name=user.get_username())
        | Q(kind=CandidateKind.GROUP, name__in=group_names(user))
    )
