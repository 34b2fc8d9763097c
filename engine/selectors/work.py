"""Reading service task jobs and incidents (what operators look at when something is stuck)."""

from __future__ import annotations

from django.db.models import QuerySet

from engine.store.models import Incident, Job


def jobs(*, instance_id: int | None = None, status: str | None = None) -> QuerySet[Job]:
    found = Job.objects.all()
    if instance_id is not None:
        found = found.filter(instance_id=instance_id)
    if status is not None:
        found = found.filter(status=status)
    return found.order_by("-created_at", "-pk")


def incidents(*, instance_id: int | None = None, open_only: bool | None = None) -> QuerySet[Incident]:
    found = Incident.objects.all()
    if instance_id is not None:
        found = found.filter(instance_id=instance_id)
    if open_only is not None:
        found = found.filter(resolved_at__isnull=open_only)
    return found.order_by("-created_at", "-pk")
