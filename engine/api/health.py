"""GET /api/v1/health: for load balancers. No login, and nothing in it an outsider could use."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from engine.selectors.health import engine_health

HealthOut = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "unavailable"]),
        "database": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "workers": serializers.ChoiceField(
            choices=["ok", "none", "unknown"], help_text="ok: at least one `bpm worker` checked in recently."
        ),
    },
)


class HealthView(APIView):
    """200 while the database answers (the API can serve); 503 when it does not.

    A worker that stopped is reported (status "degraded") but does not fail the check: the API
    still accepts work, which waits in the job table until a worker runs it.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        tags=["health"],
        operation_id="health",
        summary="Database and worker liveness (no authentication)",
        auth=[],
        responses={200: HealthOut, 503: HealthOut},
    )
    def get(self, request: Request) -> Response:
        health = engine_health(now=timezone.now())
        if not health.database:
            body = {"status": "unavailable", "database": "unavailable", "workers": "unknown"}
            return Response(body, status=503)
        workers = "ok" if health.live_workers else "none"
        return Response(
            {"status": "ok" if health.live_workers else "degraded", "database": "ok", "workers": workers}
        )
