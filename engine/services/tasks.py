"""User tasks: claiming, giving back and completing them, with who may do what.

Who may act (Camunda-like; engine.selectors.tasks has the matching read rules):
- `user=None` is a trusted internal caller (`bpm run`, scripts, tests): no permission check,
  and its variables are not checked against the task's form (like Camunda's
  TaskService.complete next to FormService.submitTaskForm).
- A person (any user object, including an anonymous one) must be the assignee, or, while the
  task is unassigned, a candidate: named in candidateUsers or a member of a candidateGroups
  group. Superusers may act on every task.
- Claiming first is optional: a candidate may complete an unassigned task directly.
- Someone else's claim wins: the others get InvalidState ("claimed by bob"), strangers get
  PermissionDenied (which pages answer with 404).
- A person's variables are a form submission when the task has form fields: checked by
  engine.forms, refused field by field with InvalidVariables(field_errors=...).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from engine.forms import FormDefinitionError, FormErrors, parse_form, validate_submission
from engine.runtime import CommandRejected, CompleteTask
from engine.selectors.tasks import is_candidate
from engine.services.actors import user_or_none
from engine.services.errors import InvalidState, InvalidVariables, NotFound, PermissionDenied
from engine.services.variables import check_variables
from engine.store.errors import Conflict
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, UserTask, UserTaskStatus


def claim_user_task(*, task_id: int, user: Any) -> UserTask:
    """Make `user` the task's assignee; the other candidates no longer see it.

    Claiming a task you already hold is a no-op. Race-safe: the UPDATE only matches while the
    task is still open and unassigned, so of two people claiming at once exactly one wins and
    the other gets InvalidState naming the winner.
    """
    username = _person(user).get_username()
    task = _open_task(task_id, user)
    if task.assignee != username:
        _refuse_if_claimed(task, username, action="claim it")
        if not UserTask.objects.filter(pk=task.pk, status=UserTaskStatus.OPEN, assignee="").update(
            assignee=username
        ):
            # Someone got there first: say who (or that the task closed); a double click is fine.
            current = _open_task(task_id, user)
            _refuse_if_claimed(current, username, action="claim it")
            if current.assignee != username:
                raise InvalidState(f"user task {task_id} ('{task.name}') changed meanwhile; try again")
        task.refresh_from_db()
    return task


def unclaim_user_task(*, task_id: int, user: Any) -> UserTask:
    """Give the task back to its candidates' queue. Only its assignee (or a superuser) may."""
    person = _person(user)
    task = _open_task(task_id, user)
    if not task.assignee:
        raise InvalidState(f"user task {task_id} ('{task.name}') is not claimed by anyone")
    if not person.is_superuser:
        _refuse_if_claimed(task, person.get_username(), action="give it back")
    if not UserTask.objects.filter(pk=task.pk, status=UserTaskStatus.OPEN, assignee=task.assignee).update(
        assignee=""
    ):
        raise InvalidState(f"user task {task_id} ('{task.name}') changed meanwhile; try again")
    task.refresh_from_db()
    return task


def complete_user_task(*, task_id: int, variables: Any = None, user: Any = None) -> ProcessInstance:
    """Complete an open user task with `variables` (a JSON object); its token moves on.

    Raises InvalidState when the task is already completed or was cancelled (its instance
    was cancelled, or its branch ended): a person must learn that their input was not used.
    Locking: the task row is marked completed only after the instance's compare-and-set, i.e.
    while this transaction owns the instance (engine.store.execution, rule 2); the task UPDATE
    also requires the assignee read at the start, so a claim that slipped in between makes the
    whole attempt run again and meet the new assignee.
    """
    variables = check_variables(variables)
    completed_by = user_or_none(user)
    trusted = user is None

    def complete() -> ProcessInstance:
        task = _open_task(task_id, user)
        checked = variables
        if not trusted and not user.is_superuser:
            _refuse_if_claimed(task, user.get_username(), action="complete it")
        if not trusted:
            checked = _checked_submission(task, variables)
        try:
            instance = apply_command(task.instance_id, CompleteTask(task.token_id, checked))
        except CommandRejected as error:
            # The task was read before another transaction closed it: report that, not the kernel's view.
            _open_task(task_id, user)
            raise InvalidState(f"user task {task_id} ('{task.name}') cannot be completed: {error}") from None
        closed = UserTask.objects.filter(
            pk=task.pk, status=UserTaskStatus.OPEN, assignee=task.assignee
        ).update(status=UserTaskStatus.COMPLETED, completed_at=timezone.now(), completed_by=completed_by)
        if not closed:
            raise Conflict(f"user task {task_id} changed while it was being completed")
        return instance

    return run_atomically(complete)


def _checked_submission(task: UserTask, variables: dict[str, Any]) -> dict[str, Any]:
    if not task.form_fields:
        return variables
    try:
        form = parse_form(task.form_fields)
    except FormDefinitionError as error:
        raise InvalidState(
            f"the form of user task {task.pk} ('{task.name}') cannot be used: {error}"
        ) from None
    try:
        return validate_submission(form, variables)
    except FormErrors as error:
        raise InvalidVariables(
            f"the form of user task {task.pk} ('{task.name}') was not accepted: {error}",
            field_errors=error.errors,
        ) from None


def _person(user: Any) -> Any:
    """The acting user; refuses a missing or anonymous one (only internal callers pass None on purpose)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("log in to work on user tasks")
    return user


def _refuse_if_claimed(task: UserTask, username: str, *, action: str) -> None:
    if task.assignee and task.assignee != username:
        raise InvalidState(
            f"user task {task.pk} ('{task.name}') is claimed by {task.assignee}, so you cannot {action}"
        )


def _open_task(task_id: int, user: Any) -> UserTask:
    """The task, if it exists, `user` may see it (None: a trusted caller) and it is still open.

    Visibility is checked before the state, so a stranger cannot even learn that a task ended.
    """
    task = UserTask.objects.filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"user task {task_id} does not exist")
    if user is not None and not _may_see(task, _person(user)):
        raise PermissionDenied(f"user task {task_id} is not yours or your group's")
    if task.status == UserTaskStatus.COMPLETED:
        raise InvalidState(f"user task {task_id} ('{task.name}') is already completed")
    if task.status == UserTaskStatus.CANCELLED:
        raise InvalidState(
            f"user task {task_id} ('{task.name}') was cancelled (its instance was cancelled or its branch "
            "ended), so it can no longer be completed"
        )
    return task


def _may_see(task: UserTask, person: Any) -> bool:
    """engine.selectors.tasks.visible_user_tasks, plus: candidates may learn who holds a task."""
    return (
        person.is_superuser
        or task.assignee == person.get_username()
        or (task.completed_by_id is not None and task.completed_by_id == person.pk)
        or is_candidate(task, person)
    )
