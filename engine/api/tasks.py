"""User tasks: the caller's inbox, claim, unclaim, complete (variables checked against the form).

Any logged-in user may call these; who may act on which task is decided by the task services
(engine.services.tasks) and the visibility rules (engine.selectors.tasks). A task the caller
may not see is answered 404, exactly like a task that does not exist: nobody learns about
other people's tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.api.fields import VariablesField
from engine.api.pagination import PAGE_PARAMETERS, page_of, paginate
from engine.api.permissions import ANY_USER, roles
from engine.api.problems import problem_responses
from engine.api.queries import parse_query
from engine.selectors.tasks import INBOX_SCOPES, inbox, visible_user_tasks
from engine.services.errors import NotFound, PermissionDenied
from engine.services.tasks import claim_user_task, complete_user_task, unclaim_user_task
from engine.store.models import ID_LENGTH, UserTask

TAG = ["user tasks"]
T = TypeVar("T")


class TaskOut(serializers.ModelSerializer):
    definition_key = serializers.CharField(source="instance.definition.key", read_only=True)
    form_fields = serializers.ListField(child=serializers.DictField(), read_only=True)
    candidate_groups = serializers.ListField(child=serializers.CharField(), read_only=True)
    candidate_users = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = UserTask
        fields = (
            "id",
            "instance",
            "definition_key",
            "node_id",
            "name",
            "assignee",
            "candidate_groups",
            "candidate_users",
            "due_date",
            "form_key",
            "form_fields",
            "status",
            "created_at",
            "completed_at",
        )
        read_only_fields = fields


TaskPage = page_of(TaskOut, "TaskPage")


class TaskQuery(serializers.Serializer):
    scope = serializers.ChoiceField(choices=INBOX_SCOPES, required=False, default="all")
    instance_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    definition_key = serializers.CharField(required=False, max_length=ID_LENGTH)


def _visible(user: Any, task_id: int) -> UserTask:
    task = visible_user_tasks(user).select_related("instance__definition").filter(pk=task_id).first()
    if task is None:
        raise NotFound(f"user task {task_id} does not exist")
    return task


def _as_person(task_id: int, action: Callable[[], T]) -> T:
    """Run a task service; a task the caller may not see is a 404, like one that does not exist."""
    try:
        return action()
    except PermissionDenied:
        raise NotFound(f"user task {task_id} does not exist") from None


class TasksView(APIView):
    required_roles = roles(GET=ANY_USER)

    @extend_schema(
        tags=TAG,
        operation_id="tasks_list",
        summary="My open user tasks: assigned to me, or claimable by me (candidate user or group)",
        parameters=[
            OpenApiParameter(
                "scope",
                OpenApiTypes.STR,
                enum=list(INBOX_SCOPES),
                description="all (default), mine (assigned to me) or claimable (my candidate groups).",
            ),
            OpenApiParameter("instance_id", OpenApiTypes.INT, description="Only tasks of this instance."),
            OpenApiParameter("definition_key", OpenApiTypes.STR, description="Only tasks of this process."),
            *PAGE_PARAMETERS,
        ],
        responses={200: TaskPage, **problem_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        data = parse_query(TaskQuery, request)
        tasks = inbox(request.user, scope=data["scope"], process=data.get("definition_key", ""))
        if "instance_id" in data:
            tasks = tasks.filter(instance_id=data["instance_id"])
        return Response(paginate(request, tasks, TaskOut))


class TaskView(APIView):
    required_roles = roles(GET=ANY_USER)

    @extend_schema(
        tags=TAG,
        operation_id="tasks_get",
        summary="Get one of my user tasks (with its form fields)",
        responses={200: TaskOut, **problem_responses(401, 404)},
    )
    def get(self, request: Request, task_id: int) -> Response:
        return Response(TaskOut(_visible(request.user, task_id)).data)


class TaskClaimView(APIView):
    required_roles = roles(POST=ANY_USER)

    @extend_schema(
        tags=TAG,
        operation_id="tasks_claim",
        summary="Claim a task: it becomes mine",
        request=None,
        responses={200: TaskOut, **problem_responses(401, 404, 409)},
    )
    def post(self, request: Request, task_id: int) -> Response:
        _as_person(task_id, lambda: claim_user_task(task_id=task_id, user=request.user))
        return Response(TaskOut(_visible(request.user, task_id)).data)


class TaskUnclaimView(APIView):
    required_roles = roles(POST=ANY_USER)

    @extend_schema(
        tags=TAG,
        operation_id="tasks_unclaim",
        summary="Give a claimed task back to its candidates",
        request=None,
        responses={200: TaskOut, **problem_responses(401, 404, 409)},
    )
    def post(self, request: Request, task_id: int) -> Response:
        _as_person(task_id, lambda: unclaim_user_task(task_id=task_id, user=request.user))
        return Response(TaskOut(_visible(request.user, task_id)).data)


class CompleteIn(serializers.Serializer):
    variables = VariablesField(required=False, default=dict, help_text="The form's values, by field id.")


class TaskCompleteView(APIView):
    required_roles = roles(POST=ANY_USER)

    @extend_schema(
        tags=TAG,
        operation_id="tasks_complete",
        summary="Complete a task with variables (checked against its form fields)",
        description=(
            "A value a form field refuses is answered 400 with `errors[].field` = `variables.<field id>`."
        ),
        request=CompleteIn,
        responses={200: TaskOut, **problem_responses(400, 401, 404, 409)},
    )
    def post(self, request: Request, task_id: int) -> Response:
        body = CompleteIn(data=request.data)
        body.is_valid(raise_exception=True)
        variables = body.validated_data["variables"]
        _as_person(
            task_id, lambda: complete_user_task(task_id=task_id, variables=variables, user=request.user)
        )
        return Response(TaskOut(_visible(request.user, task_id)).data)
