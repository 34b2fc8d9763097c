"""Messages (correlate now, or publish with a time to live) and signals (broadcast)."""

from __future__ import annotations

from datetime import timedelta

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.api.fields import Text, VariablesField, WholeNumber
from engine.api.permissions import OPERATE, roles
from engine.api.problems import problem_responses
from engine.services.messages import correlate_message
from engine.services.signals import broadcast_signal
from engine.store.models import ID_LENGTH

TAG = ["messages and signals"]
#: A buffered message older than this is surely a mistake (and would pile up).
MAX_TTL_SECONDS = 366 * 24 * 3600


class MessageIn(serializers.Serializer):
    name = Text(max_length=ID_LENGTH)
    correlation_key = Text(required=False, allow_null=True, max_length=ID_LENGTH)
    variables = VariablesField(required=False, default=dict)
    message_id = Text(
        required=False,
        allow_null=True,
        max_length=ID_LENGTH,
        help_text="Makes delivery idempotent: the same id again is answered as a duplicate.",
    )
    ttl_seconds = WholeNumber(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_TTL_SECONDS,
        help_text="Publish: when nothing waits now, keep the message this long for a token that comes.",
    )


CorrelationOut = inline_serializer(
    "Correlation",
    {
        "outcome": serializers.ChoiceField(choices=["delivered", "buffered", "duplicate"]),
        "instance_id": serializers.IntegerField(allow_null=True, help_text="The instance that received it."),
    },
)


class MessagesView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="messages_correlate",
        summary="Correlate a message (or publish it with a time to live)",
        description=(
            "Without `ttl_seconds` the message goes to one waiting token now, or the answer is 404 "
            "(`urn:bpmportal:problem:no-matching-subscription`) and nothing is kept. With it, a message "
            "nothing waits for is buffered (202) for a token that starts waiting before it expires."
        ),
        request=MessageIn,
        responses={
            200: CorrelationOut,
            202: CorrelationOut,
            **problem_responses(400, 401, 403, 404),
        },
    )
    def post(self, request: Request) -> Response:
        body = MessageIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ttl = data.get("ttl_seconds")
        result = correlate_message(
            name=data["name"],
            correlation_key=data.get("correlation_key"),
            variables=data["variables"],
            message_id=data.get("message_id"),
            ttl=timedelta(seconds=ttl) if ttl else None,
        )
        code = status.HTTP_202_ACCEPTED if result.outcome == "buffered" else status.HTTP_200_OK
        return Response({"outcome": result.outcome, "instance_id": result.instance_id}, status=code)


class SignalIn(serializers.Serializer):
    name = Text(max_length=ID_LENGTH)
    variables = VariablesField(required=False, default=dict)


SignalOut = inline_serializer(
    "SignalBroadcast", {"received_by": serializers.IntegerField(help_text="How many waiting tokens got it.")}
)


class SignalsView(APIView):
    required_roles = roles(POST=OPERATE)

    @extend_schema(
        tags=TAG,
        operation_id="signals_broadcast",
        summary="Broadcast a signal to every token waiting for it",
        request=SignalIn,
        responses={200: SignalOut, **problem_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        body = SignalIn(data=request.data)
        body.is_valid(raise_exception=True)
        received = broadcast_signal(
            name=body.validated_data["name"], variables=body.validated_data["variables"]
        )
        return Response({"received_by": received})
