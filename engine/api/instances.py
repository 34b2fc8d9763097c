"""Process instances: start, list, read, cancel, variables, history, tokens, modification."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.api.fields import Flag, Text, VariablesField, WholeNumber
from engine.api.pagination import PAGE_PARAMETERS, page_of, paginate
from engine.api.permissions import OPERATE, READ, roles
from engine.api.problems import problem_responses
from engine.api.queries import parse_query
from engine.selectors import instances as selectors
from engine.services.errors import NotFound
from engine.services.instances import cancel_instance, start_instance
from engine.services.modification import modify_instance, set_instance_variables
from engine.store.models import ID_LENGTH, Event, InstanceStatus, ProcessInstance, Token

TAG = ["instances"]


class InstanceOut(serializers.ModelSerializer):
    definition_key = serializers.CharField(source="definition.key", read_only=True)
    definition_version = serializers.IntegerField(source="definition.version", read_only=True)
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    variables = VariablesField(read_only=True)

    class Meta:
        model = ProcessInstance
        fields = (
            "id",
            "definition",
            "definition_key",
            "definition_version",
            "business_key",
            "status",
            "variables",
            "started_at",
            "ended_at",
            "started_by",
        )
        read_only_fields = fields


InstancePage = page_of(InstanceOut, "InstancePage")


class StartIn(serializers.Serializer):
    definition_key = Text(
        required=False, max_length=ID_LENGTH, help_text="Start the latest version of this process."
    )
    definition_id = WholeNumber(required=False, min_value=1, help_text="Start this exact version.")
    variables = VariablesField(required=False, default=dict)
    business_key = Text(required=False, allow_null=True, max_length=ID_LENGTH)
    unique_business_key = Flag(
        required=False,
        default=False,
        help_text=(
            "Use the business key at most once per process key: starting again with it returns the "
            "existing instance (200) instead of a new one (201)."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        if ("definition_key" in attrs) == ("definition_id" in attrs):
            raise serializers.ValidationError(
                {"definition_key": "give either definition_key or definition_id (not both)"}
            )
        if attrs["unique_business_key"] and not attrs.get("business_key"):
            raise serializers.ValidationError({"business_key": "unique_business_key needs a business key"})
        return attrs


class InstanceQuery(serializers.Serializer):
    definition_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    definition_key = serializers.CharField(required=False, max_length=ID_LENGTH)
    status = serializers.ChoiceField(required=False, choices=InstanceStatus.choices)
    business_key = serializers.CharField(required=False, max_length=ID_LENGTH)
    started_after = serializers.DateTimeField(required=False)
    started_before = serializers.DateTimeField(required=False)
    has_incidents = serializers.BooleanField(required=False)


INSTANCE_FILTERS = [
    OpenApiParameter("definition_id", OpenApiTypes.INT, description="Only instances of this definition."),
    OpenApiParameter(
        "definition_key", OpenApiTypes.STR, description="Only instances of this process (any version)."
    ),
    OpenApiParameter("status", OpenApiTypes.STR, enum=InstanceStatus.values),
    OpenApiParameter("business_key", OpenApiTypes.STR),
    OpenApiParameter("started_after", OpenApiTypes.DATETIME, description="Started at or after (ISO 8601)."),
    OpenApiParameter("started_before", OpenApiTypes.DATETIME, description="Started before (ISO 8601)."),
    OpenApiParameter(
        "has_incidents", OpenApiTypes.BOOL, description="With (true) or without (false) open incidents."
    ),
]


class InstancesView(APIView):
    required_roles = roles(GET=READ, POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="instances_list",
        summary="List instances, newest first",
        parameters=[*INSTANCE_FILTERS, *PAGE_PARAMETERS],
        responses={200: InstancePage, **problem_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        filters = parse_query(InstanceQuery, request)
        filters["key"] = filters.pop("definition_key", None)
        return Response(paginate(request, selectors.instances(**filters), InstanceOut))

    @extend_schema(
        tags=TAG,
        operation_id="instances_start",
        summary="Start an instance (latest version by key, or a definition id)",
        request=StartIn,
        responses={
            201: InstanceOut,
            200: InstanceOut,
            **problem_responses(400, 401, 403, 404, 409),
        },
        description="200 answers a repeated start with `unique_business_key`: the existing instance.",
    )
    def post(self, request: Request) -> Response:
        body = StartIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        instance = start_instance(
            definition=data.get("definition_id"),
            key=data.get("definition_key"),
            variables=data["variables"],
            business_key=data.get("business_key"),
            unique_business_key=data["unique_business_key"],
            user=request.user,
        )
        created = getattr(instance, "created", True)
        instance = selectors.instance(instance.pk)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(InstanceOut(instance).data, status=code)


def _instance(instance_id: int) -> ProcessInstance:
    found = selectors.instance(instance_id)
    if found is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    return found


class InstanceView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="instances_get",
        summary="Get one instance",
        responses={200: InstanceOut, **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, instance_id: int) -> Response:
        return Response(InstanceOut(_instance(instance_id)).data)


class CancelIn(serializers.Serializer):
    reason = Text(required=False, default="", allow_blank=True, max_length=1000)


class InstanceCancelView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="instances_cancel",
        summary="Cancel a running instance",
        request=CancelIn,
        responses={200: InstanceOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, instance_id: int) -> Response:
        body = CancelIn(data=request.data)
        body.is_valid(raise_exception=True)
        cancel_instance(instance_id=instance_id, reason=body.validated_data["reason"])
        return Response(InstanceOut(_instance(instance_id)).data)


class VariablesIn(serializers.Serializer):
    variables = VariablesField(help_text="Variables to set; the others keep their values.")


class VariablesOut(serializers.Serializer):
    variables = VariablesField()


class InstanceVariablesView(APIView):
    required_roles = roles(GET=READ, PATCH=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="instances_variables_get",
        summary="Get the variables of an instance",
        responses={200: VariablesOut, **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, instance_id: int) -> Response:
        return Response({"variables": _instance(instance_id).variables})

    @extend_schema(
        tags=TAG,
        operation_id="instances_variables_patch",
        summary="Set variables of a running instance",
        request=VariablesIn,
        responses={200: VariablesOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request: Request, instance_id: int) -> Response:
        body = VariablesIn(data=request.data)
        body.is_valid(raise_exception=True)
        instance = set_instance_variables(
            instance_id=instance_id, variables=body.validated_data["variables"], user=request.user
        )
        return Response({"variables": instance.variables})


class EventOut(serializers.ModelSerializer):
    payload = VariablesField(read_only=True)

    class Meta:
        model = Event
        fields = ("seq", "type", "node_id", "token_id", "payload", "created_at", "prev_hash", "hash")
        read_only_fields = fields


EventPage = page_of(EventOut, "EventPage")


class InstanceHistoryView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="instances_history",
        summary="The event history of an instance (its token chain), oldest first",
        parameters=PAGE_PARAMETERS,
        responses={200: EventPage, **problem_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, instance_id: int) -> Response:
        _instance(instance_id)
        return Response(paginate(request, selectors.history(instance_id), EventOut))


class TokenOut(serializers.ModelSerializer):
    class Meta:
        model = Token
        fields = ("token_id", "node_id", "scope", "status", "previous_token_id", "flow_id", "created_at")
        read_only_fields = fields


class InstanceTokensView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="instances_tokens",
        summary="The tokens an instance has now",
        responses={200: TokenOut(many=True), **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, instance_id: int) -> Response:
        _instance(instance_id)
        return Response(TokenOut(selectors.current_tokens(instance_id), many=True).data)


class ModifyIn(serializers.Serializer):
    cancel_nodes = serializers.ListField(
        child=Text(max_length=ID_LENGTH),
        required=False,
        default=list,
        max_length=100,
        help_text="Withdraw the tokens at these nodes (their jobs and tasks are voided).",
    )
    start_nodes = serializers.ListField(
        child=Text(max_length=ID_LENGTH),
        required=False,
        default=list,
        max_length=100,
        help_text="Then start a token at each of these nodes.",
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs["cancel_nodes"] and not attrs["start_nodes"]:
            raise serializers.ValidationError(
                {"cancel_nodes": "name at least one node to cancel or to start"}
            )
        return attrs


class InstanceModifyView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="instances_modify",
        summary="Move tokens by hand: cancel the tokens at some nodes, start tokens at others",
        request=ModifyIn,
        responses={200: InstanceOut, **problem_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, instance_id: int) -> Response:
        body = ModifyIn(data=request.data)
        body.is_valid(raise_exception=True)
        modify_instance(
            instance_id=instance_id,
            cancel_nodes=body.validated_data["cancel_nodes"],
            start_nodes=body.validated_data["start_nodes"],
            user=request.user,
        )
        return Response(InstanceOut(_instance(instance_id)).data)
