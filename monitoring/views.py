"""Monitoring pages, their JSON, and the operator actions (thin: read a selector or call a service).

Pages render once with a JSON snapshot; their scripts then follow /ws/live/ and refetch
the JSON endpoints when events arrive (docs/monitoring.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from engine.services import cancel_instance, retry_incident
from engine.services.definitions import activate_definition, suspend_definition
from engine.services.errors import ServiceError
from engine.services.modification import modify_instance
from engine.store.models import Incident, InstanceStatus, ProcessDefinition, ProcessInstance
from monitoring import metrics, selectors
from monitoring.roles import can_operate, can_view, operator_required, viewer_required


@require_GET
@viewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "monitoring/dashboard.html", {"snapshot": selectors.dashboard()})


@require_GET
@viewer_required
def dashboard_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(selectors.dashboard())


def _definition(definition_id: int) -> ProcessDefinition:
    return get_object_or_404(ProcessDefinition.objects.defer("graph"), pk=definition_id)


@require_GET
@viewer_required
def definition_page(request: HttpRequest, definition_id: int) -> HttpResponse:
    definition = _definition(definition_id)
    status = request.GET.get("status", "")
    if status not in InstanceStatus.values:
        status = ""
    return render(
        request,
        "monitoring/definition.html",
        {
            "definition": definition,
            "summary": selectors.definition_summary(definition),
            "instances": selectors.recent_instances(definition.pk, status=status),
            "status": status,
            "statuses": InstanceStatus.values,
            "can_operate": can_operate(request.user),
        },
    )


@require_GET
@viewer_required
def definition_json(request: HttpRequest, definition_id: int) -> JsonResponse:
    return JsonResponse(selectors.definition_summary(_definition(definition_id)))


@require_GET
@viewer_required
def analytics(request: HttpRequest) -> HttpResponse:
    definitions = ProcessDefinition.objects.only("key", "version", "name").order_by("key", "-version")
    wanted = request.GET.get("definition", "")
    chosen = (definitions.filter(pk=int(wanted)).first() if wanted.isdigit() else None) or definitions.first()
    context: dict[str, Any] = {"definitions": definitions, "chosen": chosen}
    if chosen is not None:
        context["statistics"] = selectors.node_statistics(chosen.pk)
        context["chart"] = selectors.hourly_chart(chosen.pk, hours=7 * 24)
    return render(request, "monitoring/analytics.html", context)


def _instance(instance_id: int) -> ProcessInstance:
    return get_object_or_404(ProcessInstance.objects.select_related("definition"), pk=instance_id)


@require_GET
@viewer_required
def instance_page(request: HttpRequest, instance_id: int) -> HttpResponse:
    instance = _instance(instance_id)
    return render(
        request,
        "monitoring/instance.html",
        {
            "instance": instance,
            "detail": selectors.instance_detail(instance),
            "can_operate": can_operate(request.user),
            "nodes": selectors.node_choices(instance.definition),
        },
    )


@require_GET
@viewer_required
def instance_json(request: HttpRequest, instance_id: int) -> JsonResponse:
    return JsonResponse(selectors.instance_detail(_instance(instance_id)))


def _act(request: HttpRequest, back: str, action: Callable[[], Any], done: str) -> HttpResponseRedirect:
    """Run one service call; its refusal (named by the service) becomes the page's error message."""
    try:
        action()
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return HttpResponseRedirect(back)


@require_POST
@operator_required
def cancel_instance_view(request: HttpRequest, instance_id: int) -> HttpResponseRedirect:
    reason = request.POST.get("reason", "").strip()[:500] or f"cancelled by {request.user.get_username()}"
    return _act(
        request,
        reverse("monitoring:instance", args=[instance_id]),
        lambda: cancel_instance(instance_id=instance_id, reason=reason),
        f"Instance {instance_id} cancelled.",
    )


@require_POST
@operator_required
def retry_incident_view(request: HttpRequest, instance_id: int, incident_id: int) -> HttpResponseRedirect:
    get_object_or_404(Incident, pk=incident_id, instance_id=instance_id)  # the page's own incident
    return _act(
        request,
        reverse("monitoring:instance", args=[instance_id]),
        lambda: retry_incident(incident_id=incident_id),
        f"Incident {incident_id} retried.",
    )


def _node_list(raw: str) -> list[str]:
    return [node.strip() for node in raw.split(",") if node.strip()]


@require_POST
@operator_required
def modify_instance_view(request: HttpRequest, instance_id: int) -> HttpResponseRedirect:
    cancel_nodes = _node_list(request.POST.get("cancel_nodes", ""))
    start_nodes = _node_list(request.POST.get("start_nodes", ""))
    return _act(
        request,
        reverse("monitoring:instance", args=[instance_id]),
        lambda: modify_instance(
            instance_id=instance_id, cancel_nodes=cancel_nodes, start_nodes=start_nodes, user=request.user
        ),
        f"Instance {instance_id} modified.",
    )


@require_POST
@operator_required
def suspend_definition_view(request: HttpRequest, definition_id: int) -> HttpResponseRedirect:
    suspend = request.POST.get("suspend") == "1"
    service = suspend_definition if suspend else activate_definition
    return _act(
        request,
        reverse("monitoring:definition", args=[definition_id]),
        lambda: service(definition_id=definition_id, user=request.user),
        "Definition suspended: it starts no new instances." if suspend else "Definition activated.",
    )


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus scrape: a viewer's session, or `Authorization: Bearer $BPM_METRICS_TOKEN`."""
    token = settings.BPM_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    bearer_ok = bool(token) and hmac.compare_digest(header.encode(), f"Bearer {token}".encode())
    if not bearer_ok and not can_view(request.user):
        response = HttpResponse("authentication required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(
        metrics.render(selectors.metrics_snapshot()), content_type="text/plain; version=0.0.4; charset=utf-8"
    )
