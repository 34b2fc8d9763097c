"""The portal's home page: what is deployed, what ran lately, and where to go next."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from engine.store.models import ProcessDefinition, ProcessInstance

RECENT_LIMIT = 20


@login_required
def home(request: HttpRequest) -> HttpResponse:
    # Only the columns shown: definitions carry their XML and graph, instances their state.
    definitions = ProcessDefinition.objects.only("key", "version", "name", "deployed_at").order_by(
        "-deployed_at", "-pk"
    )[:RECENT_LIMIT]
    instances = (
        ProcessInstance.objects.select_related("definition")
        .only("business_key", "status", "started_at", "definition__key", "definition__version")
        .order_by("-started_at", "-pk")[:RECENT_LIMIT]
    )
    return render(request, "home.html", {"definitions": definitions, "instances": instances})
