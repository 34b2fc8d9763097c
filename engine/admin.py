"""The operators' console: browse everything; the event log is read-only.

State changes (deploy, start, complete, cancel, retry) go through engine.services, never
through these forms, so every engine model is browse-only here; operator actions will be
admin actions that call the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from engine.store.models import (
    Event,
    Incident,
    Job,
    JoinFiring,
    ProcessDefinition,
    ProcessInstance,
    Token,
    UserTask,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only: rows are written by the engine, which keeps them consistent with each other."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "deployed_at", "deployed_by", "suspended")
    list_filter = ("suspended", "deployed_at")
    search_fields = ("key", "name", "checksum")


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = ("id", "definition", "business_key", "status", "started_at", "ended_at", "last_seq")
    list_filter = ("status", "definition__key", "started_at")
    search_fields = ("=id", "business_key", "definition__key")
    list_select_related = ("definition",)


@admin.register(Token)
class TokenAdmin(ReadOnlyAdmin):
    list_display = ("instance", "token_id", "node_id", "scope", "status", "previous_token_id", "created_at")
    list_filter = ("status",)
    search_fields = ("=instance__id", "node_id")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("instance", "seq", "type", "node_id", "token_id", "created_at")
    list_filter = ("type",)
    search_fields = ("=instance__id", "node_id")


@admin.register(JoinFiring)
class JoinFiringAdmin(ReadOnlyAdmin):
    list_display = ("instance", "gateway_id", "scope", "generation", "token_id", "created_at")
    search_fields = ("=instance__id", "gateway_id")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "instance", "node_id", "handler_type", "status", "attempts", "due_at", "lock_owner")
    list_filter = ("status", "handler_type", "kind")
    search_fields = ("=id", "=instance__id", "node_id", "last_error")


@admin.register(UserTask)
class UserTaskAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "instance", "assignee", "status", "created_at", "completed_by")
    list_filter = ("status",)
    search_fields = ("=id", "=instance__id", "name", "node_id", "assignee")


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("id", "instance", "node_id", "error", "created_at", "resolved_at")
    list_filter = ("resolved_at", "created_at")
    search_fields = ("=instance__id", "node_id", "error")
