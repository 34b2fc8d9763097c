"""Reading process instances, their history (the event log) and their current tokens."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet

from engine.store.models import LIVE_TOKEN_STATUSES, Event, Incident, ProcessInstance, Token


def instances(
    *,
    definition_id: int | None = None,
    key: str | None = None,
    status: str | None = None,
    business_key: str | None = None,
    started_after: datetime | None = None,
    started_before: datetime | None = None,
    has_incidents: bool | None = None,
) -> QuerySet[ProcessInstance]:
    """Instances matching every given filter, newest first (`has_incidents`: open incidents)."""
    found = ProcessInstance.objects.select_related("definition").defer(
        "state", "definition__bpmn_xml", "definition__graph"
    )
    if definition_id is not None:
        found = found.filter(definition_id=definition_id)
    if key is not None:
        found = found.filter(definition__key=key)
    if status is not None:
        found = found.filter(status=status)
    if business_key is not None:
        found = found.filter(business_key=business_key)
    if started_after is not None:
        found = found.filter(started_at__gte=started_after)
    if started_before is not None:
        found = found.filter(started_at__lt=started_before)
    if has_incidents is not None:
        open_incidents = Incident.objects.filter(instance=OuterRef("pk"), resolved_at__isnull=True)
        found = (
            found.filter(Exists(open_incidents)) if has_incidents else found.exclude(Exists(open_incidents))
        )
    return found.order_by("-started_at", "-pk")


def instance(instance_id: int) -> ProcessInstance | None:
    return instances().filter(pk=instance_id).first()


def history(instance_id: int) -> QuerySet[Event]:
    """The instance's event log in order: what happened to each token, with its hash chain."""
    return Event.objects.filter(instance_id=instance_id).order_by("seq")


def current_tokens(instance_id: int) -> QuerySet[Token]:
    """Tokens still in the instance (waiting, joined, running a subprocess, failed)."""
    return Token.objects.filter(instance_id=instance_id, status__in=LIVE_TOKEN_STATUSES).order_by("token_id")
