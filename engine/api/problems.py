"""Errors as RFC 9457 problem details: `application/problem+json` with field-level detail.

Every refusal has a `type` (a URN naming the kind of problem, stable for clients to branch
on), a `title`, the HTTP `status`, a `detail` for people and, when the request was at fault
field by field, `errors`: one entry per field (`field` is a dotted path such as
`variables.amount`), or per BPMN element (`element_id`, `element_type`, `line`).
Bad input is always a 4xx answer; a 500 means a bug in the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from engine.services import errors as service_errors
from engine.services.messages import NoSubscription
from engine.store.errors import Conflict

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:bpmportal:problem:"

_TITLES = {
    "invalid-request": "The request is invalid",
    "invalid-bpmn": "The BPMN model cannot be deployed",
    "malformed-request": "The request body could not be read",
    "not-authenticated": "Authentication is required",
    "forbidden": "You are not allowed to do this",
    "not-found": "Not found",
    "no-matching-subscription": "Nothing is waiting for this message",
    "method-not-allowed": "Method not allowed",
    "not-acceptable": "Cannot answer in an accepted format",
    "unsupported-media-type": "Unsupported media type",
    "conflict": "The request conflicts with the current state",
    "throttled": "Too many requests",
    "server-error": "Internal server error",
}


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(required=False, help_text="Dotted path of the offending field.")
    message = serializers.CharField()
    element_id = serializers.CharField(required=False, allow_null=True, help_text="BPMN element id.")
    element_type = serializers.CharField(required=False, allow_null=True)
    line = serializers.IntegerField(required=False, allow_null=True, help_text="Line in the BPMN file.")


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(
        help_text="A URN naming the kind of problem, e.g. urn:bpmportal:problem:not-found"
    )
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(help_text="The path of the request.")
    errors = FieldErrorSerializer(many=True, required=False)


def problem_responses(*codes: int) -> dict[Any, OpenApiResponse]:
    """OpenAPI responses for the given problem status codes, for `extend_schema(responses=...)`."""
    descriptions = {
        400: "Invalid input; `errors` names each offending field.",
        401: "Not authenticated (send a session cookie or `Authorization: Token <key>`).",
        403: "Authenticated, but without the role this needs.",
        404: "No such resource.",
        409: "The request does not fit the current state.",
        415: "Unsupported content type.",
    }
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=descriptions[code])
        for code in codes
    }


class UnknownPathView(APIView):
    """Answers every path under the API that no view serves: 404 as a problem document.

    No login needed to learn that a path does not exist (DRF's own 404 would say the same).
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    schema = None  # not an operation of the API

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        raise exceptions.NotFound(f"no such API resource: {request.path}")


def problem(
    kind: str, status_code: int, detail: str, *, path: str, errors: list[dict[str, Any]] | None = None
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + kind,
        "title": _TITLES[kind],
        "status": status_code,
        "detail": detail,
        "instance": path,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: Mapping[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: every error the API raises becomes a problem document."""
    request = context.get("request")
    path = request.get_full_path() if request is not None else ""
    answer = _service_problem(exc, path)
    if answer is not None:
        return answer
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "not found")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    drf_answer = exception_handler(exc, context)  # sets WWW-Authenticate, Allow, Retry-After
    if drf_answer is None:
        logger.exception("unexpected error in %s", path, exc_info=exc)
        return problem("server-error", 500, "the engine failed unexpectedly; the error was logged", path=path)
    kind = _drf_kind(exc)
    errors = _field_errors(exc.detail) if isinstance(exc, exceptions.ValidationError) else None
    detail = _summary(errors) if errors else _text(getattr(exc, "detail", str(exc)))
    answer = problem(kind, drf_answer.status_code, detail, path=path, errors=errors)
    for header in ("WWW-Authenticate", "Allow", "Retry-After"):
        if header in drf_answer:
            answer[header] = drf_answer[header]
    return answer


def _service_problem(exc: Exception, path: str) -> Response | None:
    match exc:
        case service_errors.DeploymentError():
            errors = [{"field": "xml", **problem.to_json()} for problem in exc.problems]
            return problem("invalid-bpmn", 400, _summary(errors), path=path, errors=errors)
        case NoSubscription():
            return problem("no-matching-subscription", 404, str(exc), path=path)
        case service_errors.NotFound():
            return problem("not-found", 404, str(exc), path=path)
        case service_errors.InvalidVariables():
            field_errors = getattr(exc, "field_errors", {}) or {}
            errors = [
                {"field": f"variables.{name}", "message": message} for name, message in field_errors.items()
            ]
            return problem("invalid-request", 400, str(exc), path=path, errors=errors or None)
        case service_errors.InvalidInput():
            return problem("invalid-request", 400, str(exc), path=path)
        case service_errors.InvalidState() | Conflict():
            return problem("conflict", 409, str(exc), path=path)
        case service_errors.PermissionDenied():
            return problem("forbidden", 403, str(exc), path=path)
    return None


def _drf_kind(exc: Exception) -> str:
    return {
        exceptions.ValidationError: "invalid-request",
        exceptions.ParseError: "malformed-request",
        exceptions.NotAuthenticated: "not-authenticated",
        exceptions.AuthenticationFailed: "not-authenticated",
        exceptions.PermissionDenied: "forbidden",
        exceptions.NotFound: "not-found",
        exceptions.MethodNotAllowed: "method-not-allowed",
        exceptions.NotAcceptable: "not-acceptable",
        exceptions.UnsupportedMediaType: "unsupported-media-type",
        exceptions.Throttled: "throttled",
    }.get(type(exc), "invalid-request")


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF's nested error detail into [{field: "a.b.0", message}], in field order."""
    if isinstance(detail, Mapping):
        found = []
        for name, value in detail.items():
            path = prefix if name == "non_field_errors" else f"{prefix}.{name}" if prefix else str(name)
            found += _field_errors(value, path)
        return found
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [
                {"field": prefix, "message": str(item)} if prefix else {"message": str(item)}
                for item in detail
            ]
        found = []
        for index, item in enumerate(detail):
            found += _field_errors(item, f"{prefix}.{index}" if prefix else str(index))
        return found
    return [{"field": prefix, "message": str(detail)} if prefix else {"message": str(detail)}]


def _summary(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors:
        where = error.get("field") or ""
        if error.get("element_id") or error.get("line"):
            element = f"{error.get('element_type') or 'element'} '{error.get('element_id')}'"
            where = f"line {error.get('line')}, {element}"
        parts.append(f"{where}: {error['message']}" if where else error["message"])
    return "; ".join(parts)


def _text(detail: Any) -> str:
    if isinstance(detail, list | tuple):
        return "; ".join(str(item) for item in detail)
    return str(detail)
