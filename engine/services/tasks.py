"""Completing user tasks."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from engine.runtime import CommandRejected, CompleteTask
from engine.services.actors import user_or_none
from engine.services.errors import InvalidState, NotFound
from engine.services.variables import check_variables
from engine.store.errors import Conflict
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, UserTask, UserTaskStatus


def complete_user_task(*, task_id: int, variables: Any = None, user: Any = None) -> ProcessInstance:
    """Complete an open user task with `variables` (a JSON object); its token moves on.

    Raises InvalidState when the task is already completed or was cancelled (its instance
    was cancelled, or its branch ended): a person must learn that their input was not used.
    Locking: the task row is marked completed only after the instance's compare-and-set, i.e.
    while this transaction owns the instance (engine.store.execution, rule 2).
    """
    variables = check_variables(variables)
    completed_by = user_or_none(user)

    def complete() -> ProcessInstance:
        task = _open_task(task_id)
        try:
            instance = apply_command(task.instance_id, CompleteTask(task.token_id, variables))
        except CommandRejected as error:
            # The task was read before another transaction closed it: report that, not the kernel's view.
            _open_task(task_id)
            raise InvalidState(f"user task {task_id} ('{task.name}') cannot be completed: {error}") from None
        closed = UserTask.objects.filter(pk=task.pk, status=UserTaskStatus.OPEN).update(
            status=UserTaskStatus.COMPLETED, completed_at=timezone.now(), completed_by=completed_by
        )
        if not closed:
            raise Conflict(f"user task {task_id} changed while it was being completed")
        return instance

    return run_atomically(complete)


def _open_task(task_id: int) -> UserTask:
    task = UserTask.objects.filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"user task {task_id} does not exist")
    if task.status == UserTaskStatus.COMPLETED:
        raise InvalidState(f"user task {task_id} ('{task.name}') is already completed")
    if task.status == UserTaskStatus.CANCELLED:
        raise InvalidState(
            f"user task {task_id} ('{task.name}') was cancelled (its instance was cancelled or its branch "
            "ended), so it can no longer be completed"
        )
    return task
