"""The browser modeler's pages and its two JSON endpoints (save, deploy).

Every page needs a login; changing anything (new draft, import, save, deploy) needs the
`modelers` role (engine.roles: membership of the Django group "modelers", or superuser).
The JSON endpoints are CSRF protected like any form: the page sends the token in the
X-CSRFToken header.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from engine.bpmn import Problem
from engine.roles import MODELERS, has_any_role
from engine.services import DeploymentError
from engine.store.models import ProcessDefinition
from modeler.drafts import draft_deploy, draft_save, model_problems, new_process_xml
from modeler.models import Draft

View = Callable[..., HttpResponse]

NOT_A_MODELER = "only members of the modelers group may change models"


def is_modeler(user: Any) -> bool:
    return has_any_role(user, (MODELERS,))


def modelers_only(view: View) -> View:
    """Logged in and in the modelers role; otherwise 403 (JSON for the endpoints)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_modeler(request.user):
            if request.content_type == "application/json":
                return JsonResponse({"error": NOT_A_MODELER}, status=403)
            raise PermissionDenied(NOT_A_MODELER)
        return view(request, *args, **kwargs)

    return login_required(checked)


@login_required
@require_GET
def model_list(request: HttpRequest) -> HttpResponse:
    drafts = Draft.objects.select_related("updated_by", "deployed").defer("xml")
    definitions = ProcessDefinition.objects.only("key", "version", "name", "deployed_at").order_by(
        "key", "-version"
    )
    return render(
        request,
        "modeler/list.html",
        {"drafts": drafts, "definitions": definitions, "can_model": is_modeler(request.user)},
    )


@modelers_only
@require_POST
def new_draft(request: HttpRequest) -> HttpResponse:
    draft = draft_save(draft=None, xml=new_process_xml(), user=request.user)
    return redirect("modeler:draft", pk=draft.pk)


@modelers_only
@require_POST
def import_file(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None:
        return _list_with_error(request, "choose a .bpmn file to import")
    if upload.size > settings.BPM_MAX_BPMN_BYTES:
        limit = settings.BPM_MAX_BPMN_BYTES
        return _list_with_error(request, f"{upload.name} is larger than {limit:,} bytes")
    try:
        xml = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return _list_with_error(request, f"{upload.name} is not UTF-8 text")
    draft = draft_save(draft=None, xml=xml, user=request.user)
    return redirect("modeler:draft", pk=draft.pk)


def _list_with_error(request: HttpRequest, message: str) -> HttpResponse:
    messages.error(request, f"Import failed: {message}")
    return redirect("modeler:list")


@login_required
@require_GET
def draft_editor(request: HttpRequest, pk: int) -> HttpResponse:
    draft = get_object_or_404(Draft, pk=pk)
    return _editor(request, xml=draft.xml, draft=draft, title=str(draft))


@login_required
@require_GET
def definition_editor(request: HttpRequest, pk: int) -> HttpResponse:
    """A deployed version opened in the editor; saving it starts a new draft."""
    definition = get_object_or_404(ProcessDefinition, pk=pk)
    title = f"{definition.name or definition.key} (version {definition.version})"
    return _editor(request, xml=definition.bpmn_xml, draft=None, title=title)


def _editor(request: HttpRequest, *, xml: str, draft: Draft | None, title: str) -> HttpResponse:
    config = {
        "draft": draft.pk if draft else None,
        "saveUrl": reverse("modeler:save"),
        "deployUrl": reverse("modeler:deploy"),
        "canModel": is_modeler(request.user),
    }
    return render(request, "modeler/editor.html", {"xml": xml, "config": config, "title": title})


@modelers_only
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Save the diagram as a draft (always, unless unreadable input) and list its problems."""
    body, error = _read_body(request)
    if error is not None:
        return error
    draft = draft_save(draft=body["draft"], xml=body["xml"], user=request.user)
    return JsonResponse({**_draft_json(draft), "problems": _problems_json(model_problems(draft.xml))})


@modelers_only
@require_POST
def deploy(request: HttpRequest) -> HttpResponse:
    """Save the diagram, then deploy it; refused with every problem (and no new version) if invalid."""
    body, error = _read_body(request)
    if error is not None:
        return error
    draft = draft_save(draft=body["draft"], xml=body["xml"], user=request.user)
    try:
        definition = draft_deploy(draft=draft, user=request.user)
    except DeploymentError as refused:
        return JsonResponse({**_draft_json(draft), "problems": _problems_json(refused.problems)}, status=400)
    return JsonResponse(
        {
            **_draft_json(draft),
            "problems": [],
            "definition": {"id": definition.pk, "key": definition.key, "version": definition.version},
        }
    )


def _read_body(request: HttpRequest) -> tuple[dict[str, Any], JsonResponse | None]:
    """{"draft": Draft | None, "xml": str} from the JSON body, or a 400/404 answer saying what is wrong."""
    if len(request.body) > settings.BPM_MAX_BPMN_BYTES + 1024:
        return {}, _bad_request(f"the model is larger than {settings.BPM_MAX_BPMN_BYTES:,} bytes")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return {}, _bad_request("the request body must be JSON")
    if not isinstance(data, dict):
        return {}, _bad_request("the request body must be a JSON object")
    xml, draft_id = data.get("xml"), data.get("draft")
    if not isinstance(xml, str) or not xml.strip():
        return {}, _bad_request("xml: the BPMN XML of the diagram is required")
    if draft_id is not None and (not isinstance(draft_id, int) or isinstance(draft_id, bool)):
        return {}, _bad_request("draft: must be a draft id (a number) or null")
    draft = None
    if draft_id is not None:
        draft = Draft.objects.filter(pk=draft_id).first()
        if draft is None:
            return {}, JsonResponse({"error": f"draft: there is no draft {draft_id}"}, status=404)
    return {"draft": draft, "xml": xml}, None


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _draft_json(draft: Draft) -> dict[str, Any]:
    return {"draft": draft.pk, "url": reverse("modeler:draft", kwargs={"pk": draft.pk})}


def _problems_json(problems: list[Problem]) -> list[dict[str, object]]:
    return [problem.to_json() | {"text": str(problem)} for problem in problems]
