"""Process definitions: deploy, list, read (with the XML), per-node statistics, suspend/activate."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.api.fields import Text
from engine.api.pagination import PAGE_PARAMETERS, page_of, paginate
from engine.api.permissions import MANAGE_DEFINITIONS, MODEL, READ, roles
from engine.api.problems import problem_responses
from engine.api.queries import parse_query
from engine.selectors import definitions as selectors
from engine.services.definitions import activate_definition, deploy, suspend_definition
from engine.services.errors import NotFound
from engine.store.models import ID_LENGTH, ProcessDefinition

TAG = ["definitions"]


class DefinitionOut(serializers.ModelSerializer):
    deployed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ProcessDefinition
        fields = ("id", "key", "version", "name", "checksum", "deployed_at", "deployed_by", "suspended")
        read_only_fields = fields


DefinitionPage = page_of(DefinitionOut, "DefinitionPage")


class DeployJson(serializers.Serializer):
    xml = Text(help_text="The BPMN 2.0 XML document.", trim_whitespace=False)
    process_id = Text(
        required=False, max_length=ID_LENGTH, help_text="Which process to deploy when the file holds several."
    )


class DeployUpload(serializers.Serializer):
    file = serializers.FileField(help_text="The BPMN 2.0 XML file.")
    process_id = Text(required=False, max_length=ID_LENGTH)


class DefinitionQuery(serializers.Serializer):
    key = serializers.CharField(required=False, max_length=ID_LENGTH)
    latest = serializers.BooleanField(required=False, default=False)


class DefinitionsView(APIView):
    required_roles = roles(GET=READ, POST=MODEL)
    parser_classes = (JSONParser, MultiPartParser)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_list",
        summary="List definitions (all versions, or only the latest per key)",
        parameters=[
            OpenApiParameter("key", OpenApiTypes.STR, description="Only this process key."),
            OpenApiParameter("latest", OpenApiTypes.BOOL, description="Only the newest version of each key."),
            *PAGE_PARAMETERS,
        ],
        responses={200: DefinitionPage, **problem_responses(400, 401, 403)},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(DefinitionQuery, request)
        found = selectors.definitions(key=query.get("key"), latest_only=query["latest"])
        return Response(paginate(request, found, DefinitionOut))

    @extend_schema(
        tags=TAG,
        operation_id="definitions_deploy",
        summary="Deploy a BPMN model (upload or JSON body)",
        description=(
            "Deploying XML identical to the latest version of its process returns that version. "
            "Every problem in the model is listed in `errors` with its element id, type and line."
        ),
        request={"application/json": DeployJson, "multipart/form-data": DeployUpload},
        responses={201: DefinitionOut, **problem_responses(400, 401, 403, 415)},
    )
    def post(self, request: Request) -> Response:
        if "file" in request.FILES or request.content_type.startswith("multipart/"):
            upload = DeployUpload(data=request.data)
            upload.is_valid(raise_exception=True)
            xml: bytes | str = upload.validated_data["file"].read()
            process_id = upload.validated_data.get("process_id")
        else:
            body = DeployJson(data=request.data)
            body.is_valid(raise_exception=True)
            xml, process_id = body.validated_data["xml"], body.validated_data.get("process_id")
        definition = deploy(xml, process_id=process_id, user=request.user)
        return Response(DefinitionOut(definition).data, status=status.HTTP_201_CREATED)


def _definition(definition_id: int, *, with_xml: bool = False) -> ProcessDefinition:
    found = selectors.definition(definition_id, with_xml=with_xml)
    if found is None:
        raise NotFound(f"process definition {definition_id} does not exist")
    return found


class DefinitionView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_get",
        summary="Get one definition",
        responses={200: DefinitionOut, **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, definition_id: int) -> Response:
        return Response(DefinitionOut(_definition(definition_id)).data)


class DefinitionXmlView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_xml",
        summary="Get the BPMN XML of a definition",
        responses={
            (200, "application/xml"): OpenApiResponse(OpenApiTypes.STR, description="The deployed XML."),
            **problem_responses(401, 403, 404),
        },
    )
    def get(self, request: Request, definition_id: int) -> HttpResponse:
        definition = _definition(definition_id, with_xml=True)
        return HttpResponse(definition.bpmn_xml, content_type="application/xml; charset=utf-8")


class NodeStatistics(serializers.Serializer):
    node_id = serializers.CharField()
    active = serializers.IntegerField(help_text="Tokens at the node now (not counting failed ones).")
    completed = serializers.IntegerField(help_text="Tokens that left the node normally.")
    failed = serializers.IntegerField(help_text="Incidents ever raised at the node.")
    open_incidents = serializers.IntegerField(help_text="Incidents at the node not resolved yet.")


class DefinitionStatisticsView(APIView):
    required_roles = roles(GET=READ)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_statistics",
        summary="Per-node statistics over all instances (for diagram overlays)",
        responses={200: NodeStatistics(many=True), **problem_responses(401, 403, 404)},
    )
    def get(self, request: Request, definition_id: int) -> Response:
        return Response(selectors.node_statistics(_definition(definition_id)))


class _Suspension(APIView):
    required_roles = roles(POST=MANAGE_DEFINITIONS)
    service: Any = None

    def post(self, request: Request, definition_id: int) -> Response:
        definition = type(self).service(definition_id=definition_id, user=request.user)
        return Response(DefinitionOut(definition).data)


class DefinitionSuspendView(_Suspension):
    service = staticmethod(suspend_definition)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_suspend",
        summary="Suspend: the definition starts no new instances",
        request=None,
        responses={200: DefinitionOut, **problem_responses(401, 403, 404)},
    )
    def post(self, request: Request, definition_id: int) -> Response:
        return super().post(request, definition_id)


class DefinitionActivateView(_Suspension):
    service = staticmethod(activate_definition)

    @extend_schema(
        tags=TAG,
        operation_id="definitions_activate",
        summary="Activate a suspended definition",
        request=None,
        responses={200: DefinitionOut, **problem_responses(401, 403, 404)},
    )
    def post(self, request: Request, definition_id: int) -> Response:
        return super().post(request, definition_id)
