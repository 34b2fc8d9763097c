"""Tasklist pages: thin views over engine.selectors.tasks (reads) and engine.services (changes).

Every page needs a login. A task the user may not see answers 404, never 403, so nobody learns
which tasks exist. The services decide who may act; these views only translate their answers.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from engine.forms import FormDefinitionError, FormSpec, html_submission, initial_values, parse_form
from engine.roles import READERS, has_any_role
from engine.selectors.tasks import INBOX_SCOPES, INBOX_SORTS, inbox, visible_user_tasks
from engine.services import (
    InvalidState,
    InvalidVariables,
    NotFound,
    PermissionDenied,
    claim_user_task,
    complete_user_task,
    unclaim_user_task,
)
from engine.store.models import UserTask, UserTaskStatus
from engine.tasklist.widgets import widget_for

#: Most tasks one inbox page shows; filters narrow it down.
INBOX_LIMIT = 200
#: Longest variable value shown on a task page, in characters.
VARIABLE_PREVIEW = 300


@login_required
@require_GET
def inbox_page(request: HttpRequest) -> HttpResponse:
    filters = _inbox_filters(request)
    tasks = list(inbox(request.user, **filters)[:INBOX_LIMIT])
    processes = (
        visible_user_tasks(request.user)
        .filter(status=UserTaskStatus.OPEN)
        .values_list("instance__definition__key", flat=True)
        .order_by("instance__definition__key")
        .distinct()
    )
    context = {
        "tasks": tasks,
        "filters": filters,
        "scopes": INBOX_SCOPES,
        "sorts": list(INBOX_SORTS),
        "processes": list(processes),
        "signature": _signature(tasks),
        "poll_ms": settings.BPM_TASKLIST_POLL_MS,
        # The live event socket (docs/monitoring.md) only admits users with a monitoring role.
        "live_events": has_any_role(request.user, READERS),
    }
    return render(request, "tasklist/inbox.html", context)


@login_required
@require_GET
def inbox_json(request: HttpRequest) -> JsonResponse:
    """The inbox as the page polls it: the rows' HTML, and a signature that changes with them."""
    tasks = list(inbox(request.user, **_inbox_filters(request))[:INBOX_LIMIT])
    rows = render_to_string("tasklist/_rows.html", {"tasks": tasks, "user": request.user}, request=request)
    return JsonResponse(
        {
            "signature": _signature(tasks),
            "count": len(tasks),
            "tasks": [
                {
                    "id": task.pk,
                    "name": task.name,
                    "process": task.instance.definition.key,
                    "business_key": task.instance.business_key,
                    "assignee": task.assignee,
                    "created_at": task.created_at.isoformat(),
                    "due_date": task.due_date,
                }
                for task in tasks
            ],
            "rows_html": rows,
        }
    )


@login_required
@require_GET
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    return _render_task(request, _visible_task(request, task_id))


@login_required
@require_GET
def task_state_json(request: HttpRequest, task_id: int) -> JsonResponse:
    """What the task page polls: whether the task is still open and who holds it."""
    task = _visible_task(request, task_id)
    return JsonResponse({"id": task.pk, "status": task.status, "assignee": task.assignee})


@login_required
@require_POST
def claim(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = claim_user_task(task_id=task_id, user=request.user)
    except (NotFound, PermissionDenied):
        raise Http404("no such task") from None
    except InvalidState as error:
        messages.error(request, str(error))
        return redirect("tasklist:inbox")
    messages.success(request, f"You claimed “{task.name}”.")
    return redirect("tasklist:task", task_id=task.pk)


@login_required
@require_POST
def unclaim(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = unclaim_user_task(task_id=task_id, user=request.user)
    except (NotFound, PermissionDenied):
        raise Http404("no such task") from None
    except InvalidState as error:
        messages.error(request, str(error))
        return redirect("tasklist:inbox")
    messages.success(request, f"“{task.name}” is back in its group's queue.")
    return redirect("tasklist:inbox")


@login_required
@require_POST
def complete(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _visible_task(request, task_id)
    form = _form_or_none(task)
    submission = html_submission(form, request.POST) if form else {}
    try:
        complete_user_task(task_id=task.pk, variables=submission, user=request.user)
    except (NotFound, PermissionDenied):
        raise Http404("no such task") from None
    except InvalidVariables as error:
        return _render_task(
            request, task, submitted=submission, errors=error.field_errors, problem=str(error)
        )
    except InvalidState as error:
        messages.error(request, str(error))
        return redirect("tasklist:inbox")
    messages.success(request, f"Completed “{task.name}”.")
    return redirect("tasklist:inbox")


def _render_task(
    request: HttpRequest,
    task: UserTask,
    *,
    submitted: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: str = "",
) -> HttpResponse:
    instance = task.instance
    form_problem = ""
    try:
        form = parse_form(task.form_fields)
    except FormDefinitionError as error:
        form, form_problem = FormSpec(), str(error)
    values = submitted if submitted is not None else initial_values(form, instance.variables)
    errors = errors or {}
    username = request.user.get_username()
    context = {
        "task": task,
        "instance": instance,
        "definition": instance.definition,
        "widgets": [widget_for(field, values.get(field.id), errors.get(field.id, "")) for field in form],
        "form_problem": form_problem,
        "problem": problem,
        "variables": _variables_shown(instance.variables),
        "is_open": task.status == UserTaskStatus.OPEN,
        "mine": task.assignee == username,
        "claimable": task.status == UserTaskStatus.OPEN and not task.assignee,
        "poll_ms": settings.BPM_TASKLIST_POLL_MS,
    }
    return render(request, "tasklist/task.html", context, status=400 if errors or problem else 200)


def _visible_task(request: HttpRequest, task_id: int) -> UserTask:
    task = (
        visible_user_tasks(request.user)
        .select_related("instance__definition")
        .defer("instance__state", "instance__definition__bpmn_xml", "instance__definition__graph")
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise Http404("no such task")
    return task


def _form_or_none(task: UserTask) -> FormSpec | None:
    try:
        return parse_form(task.form_fields) if task.form_fields else None
    except FormDefinitionError:
        return None  # complete_user_task explains it


def _inbox_filters(request: HttpRequest) -> dict[str, str]:
    scope = request.GET.get("scope", "all")
    sort = request.GET.get("sort", "created")
    return {
        "scope": scope if scope in INBOX_SCOPES else "all",
        "sort": sort if sort in INBOX_SORTS else "created",
        "process": request.GET.get("process", "")[:255],
    }


def _signature(tasks: list[UserTask]) -> str:
    """Changes whenever a row would look different: a task came, went, or changed hands."""
    return ",".join(f"{task.pk}:{task.assignee}" for task in tasks)


def _variables_shown(variables: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for name in sorted(variables):
        value = variables[name]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if len(text) > VARIABLE_PREVIEW:
            text = text[:VARIABLE_PREVIEW] + "…"
        shown.append((name, text))
    return shown
