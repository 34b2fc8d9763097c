"""Drafts: models being drawn in the browser modeler, saved before (and after) deployment.

A draft is the modeller's working copy. Deploying it stores an immutable ProcessDefinition
version through engine.services.deploy; the draft stays, so work can go on from it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from engine.store.models import ProcessDefinition


class Draft(models.Model):
    #: The process id and name read from the XML at the last save ("" when unreadable), for lists.
    process_key = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)
    xml = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: The definition version this draft last became, if it was deployed.
    deployed = models.ForeignKey(
        ProcessDefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-updated_at", "-pk")

    def __str__(self) -> str:
        return self.name or self.process_key or f"draft {self.pk}"
