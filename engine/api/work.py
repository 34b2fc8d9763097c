"""Service task jobs and incidents: list them, set a job's retries, retry an incident."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.api.fields import WholeNumber
from engine.api.pagination import PAGE_PARAMETERS, page_of, paginate
from engine.api.permissions import OPERATE, READ, roles
from engine.api.problems import problem_responses
from engine.api.queries import parse_query
from engine.selectors import work as selectors
from engine.services.errors import NotFound
from engine.services.instances import retry_incident
from engine.services.retries import MAX_RETRIES, retry_job, set_job_retries
from engine.store.models import Incident, Job, JobStatus

TAG = ["jobs and incidents"]


class JobOut(serializers.ModelSerializer):
    retries_left = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = (
            "id",
            "instance",
            "token_id",
            "node_id",
            "handler_type",
            "status",
            "attempts",
            "max_attempts",
            "retries_left",
            "due_at",
            "last_error",
            "created_at",
            "completed_at",
        )
        read_only_fields = fields

    def get_retries_left(self, job: Job) -> int:
        return max(0, job.max_attempts - job.attempts)


class IncidentOut(serializers.ModelSerializer):
    open = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = (
            "id",
            "instance",
            "node_id",
            "token_id",
            "job",
            "error",
            "details",
            "created_at",
            "resolved_at",
            "open",
        )
        read_only_fields = fields

    def get_open(self, incident: Incident) -> bool:
        return incident.resolved_at is None


JobPage = page_of(JobOut, "JobPage")
IncidentPage = page_of(IncidentOut, "IncidentPage")


class JobQuery(serializers.Serializer):
    instance_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(required=False, choices=JobStatus.choices)


class JobsView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="jobs_list",
        summary="List service task jobs, newest first",
        parameters=[
            OpenApiParameter("instance_id", OpenApiTypes.INT),
            OpenApiParameter("status", OpenApiTypes.STR, enum=JobStatus.values),
            *PAGE_PARAMETERS,
        ],
        responses={200: JobPage, **problem_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(JobQuery, request)
        return Response(paginate(request, selectors.jobs(**query), JobOut))


class RetriesIn(serializers.Serializer):
    retries = WholeNumber(min_value=0, max_value=MAX_RETRIES)


class JobRetriesView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="jobs_set_retries",
        summary="Set how many more attempts a job gets",
        description=(
            "An open job gets `retries` more attempts. A job that failed for good runs again: its "
            "incident is retried and the new job (the answer) gets `retries` attempts."
        ),
        request=RetriesIn,
        responses={200: JobOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, job_id: int) -> Response:
        body = RetriesIn(data=request.data)
        body.is_valid(raise_exception=True)
        job = set_job_retries(job_id=job_id, retries=body.validated_data["retries"], user=request.user)
        return Response(JobOut(job).data)


class JobRetryView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="jobs_retry",
        summary="Run a job now",
        description=(
            "A job waiting for its next attempt becomes due now. A job that failed for good runs "
            "again as a new job (the answer) with its model's retry policy; its incident is resolved."
        ),
        request=None,
        responses={200: JobOut, **problem_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, job_id: int) -> Response:
        return Response(JobOut(retry_job(job_id=job_id, user=request.user)).data)


class IncidentQuery(serializers.Serializer):
    instance_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    open = serializers.BooleanField(required=False)


class IncidentsView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="incidents_list",
        summary="List incidents, newest first",
        parameters=[
            OpenApiParameter("instance_id", OpenApiTypes.INT),
            OpenApiParameter(
                "open", OpenApiTypes.BOOL, description="Only open (true) or resolved (false) ones."
            ),
            *PAGE_PARAMETERS,
        ],
        responses={200: IncidentPage, **problem_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(IncidentQuery, request)
        found = selectors.incidents(instance_id=query.get("instance_id"), open_only=query.get("open"))
        return Response(paginate(request, found, IncidentOut))


class IncidentRetryView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="incidents_retry",
        summary="Retry an incident: its node runs again",
        request=None,
        responses={200: IncidentOut, **problem_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, incident_id: int) -> Response:
        retry_incident(incident_id=incident_id)
        incident = selectors.incidents().filter(pk=incident_id).first()
        if incident is None:
            raise NotFound(f"incident {incident_id} does not exist")
        return Response(IncidentOut(incident).data)
