"""The operators' console: browse every engine table; act only through engine.services.

Rows are written by the engine, which keeps them consistent with each other, so no engine
model can be added, changed or deleted here (the event log least of all: it is append-only
and hash-chained). Operators act with admin actions (cancel instances, retry incidents,
suspend or activate definitions) that ask for confirmation and then call the services.

Who may look: staff users with Django's view permissions, or with a monitoring role (viewers,
operators; engine.roles). Who may act: operators and superusers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from engine.roles import OPERATORS, READERS, has_any_role
from engine.services import cancel_instance, retry_incident
from engine.services.definitions import activate_definition, suspend_definition
from engine.services.errors import ServiceError
from engine.store.models import (
    Event,
    Incident,
    Job,
    JoinFiring,
    Message,
    MessageSubscription,
    ProcessDefinition,
    ProcessInstance,
    Signal,
    SignalSubscription,
    Timer,
    Token,
    UserTask,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Browse only; monitoring roles may look without Django model permissions."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or has_any_role(request.user, READERS)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or has_any_role(request.user, READERS)

    def has_operate_permission(self, request: HttpRequest) -> bool:
        """Admin actions with permissions=["operate"] are offered to operators only."""
        return has_any_role(request.user, {OPERATORS})


def monitor_link(instance_id: int) -> str:
    return format_html('<a href="{}">monitor</a>', reverse("monitoring:instance", args=[instance_id]))


def confirm_and_run(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    verb: str,
    run: Callable[[Any], object],
) -> TemplateResponse | None:
    """First show what will happen and ask; once confirmed, call the service for each row.

    A row the service refuses (say, an instance that already ended) is reported with the
    service's own words; the other rows are still done.
    """
    if request.POST.get("confirmed") != "yes":
        return TemplateResponse(
            request,
            "admin/engine/confirm_action.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": f"{verb.capitalize()}: are you sure?",
                "verb": verb,
                "objects": list(queryset[:500]),
                "count": queryset.count(),
                "action": request.POST.get("action", ""),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
                "opts": modeladmin.model._meta,
            },
        )
    done = 0
    for obj in queryset:
        try:
            run(obj)
        except ServiceError as error:
            modeladmin.message_user(request, f"{obj}: {error}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, f"{verb.capitalize()}: {done} done.", messages.SUCCESS)
    return None


@admin.register(ProcessDefinition)
class ProcessDefinitionAdmin(ReadOnlyAdmin):
    list_display = ("key", "version", "name", "deployed_at", "deployed_by", "suspended", "instance_count")
    list_filter = ("suspended", "deployed_at")
    search_fields = ("key", "name", "checksum")
    exclude = ("graph",)
    actions = ("suspend", "activate")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessDefinition]:
        return super().get_queryset(request).defer("graph").annotate(instances_n=models.Count("instances"))

    @admin.display(description="instances", ordering="instances_n")
    def instance_count(self, definition: Any) -> int:
        return definition.instances_n

    @admin.action(description="Suspend the selected definitions (no new instances)", permissions=["operate"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[ProcessDefinition]) -> TemplateResponse | None:
        return confirm_and_run(
            self,
            request,
            queryset,
            verb="suspend definitions",
            run=lambda d: suspend_definition(definition_id=d.pk, user=request.user),
        )

    @admin.action(description="Activate the selected definitions", permissions=["operate"])
    def activate(
        self, request: HttpRequest, queryset: QuerySet[ProcessDefinition]
    ) -> TemplateResponse | None:
        return confirm_and_run(
            self,
            request,
            queryset,
            verb="activate definitions",
            run=lambda d: activate_definition(definition_id=d.pk, user=request.user),
        )


@admin.register(ProcessInstance)
class ProcessInstanceAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "definition",
        "business_key",
        "status",
        "started_at",
        "ended_at",
        "last_seq",
        "monitor",
    )
    list_filter = ("status", "definition__key", "started_at")
    search_fields = ("=id", "business_key", "definition__key")
    list_select_related = ("definition",)
    exclude = ("state",)
    date_hierarchy = "started_at"
    actions = ("cancel",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessInstance]:
        return super().get_queryset(request).defer("state", "definition__bpmn_xml", "definition__graph")

    @admin.display(description="live view")
    def monitor(self, instance: ProcessInstance) -> str:
        return monitor_link(instance.pk)

    @admin.action(description="Cancel the selected instances", permissions=["operate"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[ProcessInstance]) -> TemplateResponse | None:
        reason = f"cancelled by {request.user.get_username()} in the operator console"
        return confirm_and_run(
            self,
            request,
            queryset,
            verb="cancel instances",
            run=lambda i: cancel_instance(instance_id=i.pk, reason=reason),
        )


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("id", "instance", "node_id", "short_error", "created_at", "resolved_at", "monitor")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter), "created_at", "instance__definition__key")
    search_fields = ("=instance__id", "node_id", "error")
    list_select_related = ("instance",)
    actions = ("retry",)

    @admin.display(description="error")
    def short_error(self, incident: Incident) -> str:
        return incident.error[:120]

    @admin.display(description="live view")
    def monitor(self, incident: Incident) -> str:
        return monitor_link(incident.instance_id)

    @admin.action(description="Retry the selected incidents", permissions=["operate"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Incident]) -> TemplateResponse | None:
        return confirm_and_run(
            self, request, queryset, verb="retry incidents", run=lambda i: retry_incident(incident_id=i.pk)
        )


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """The append-only, hash-chained log: visible, never editable (no add, change or delete)."""

    list_display = ("instance", "seq", "type", "node_id", "token_id", "created_at", "short_hash")
    list_filter = ("type", "created_at")
    search_fields = ("=instance__id", "node_id", "hash")
    actions = None  # not even "delete selected"

    @admin.display(description="hash")
    def short_hash(self, event: Event) -> str:
        return event.hash[:12]


@admin.register(Token)
class TokenAdmin(ReadOnlyAdmin):
    list_display = (
        "instance",
        "token_id",
        "node_id",
        "scope",
        "status",
        "previous_token_id",
        "flow_id",
        "created_at",
        "ended_at",
    )
    list_filter = ("status",)
    search_fields = ("=instance__id", "node_id")


@admin.register(JoinFiring)
class JoinFiringAdmin(ReadOnlyAdmin):
    list_display = ("instance", "gateway_id", "scope", "generation", "token_id", "created_at")
    search_fields = ("=instance__id", "gateway_id")


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "instance",
        "node_id",
        "handler_type",
        "status",
        "attempts",
        "max_attempts",
        "due_at",
        "lock_owner",
    )
    list_filter = ("status", "handler_type", "kind")
    search_fields = ("=id", "=instance__id", "node_id", "last_error")


@admin.register(UserTask)
class UserTaskAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "instance", "assignee", "status", "created_at", "completed_by")
    list_filter = ("status",)
    search_fields = ("=id", "=instance__id", "name", "node_id", "assignee")


@admin.register(Timer)
class TimerAdmin(ReadOnlyAdmin):
    list_display = ("instance", "node_id", "kind", "definition", "status", "due_at", "fired_count")
    list_filter = ("status", "kind")
    search_fields = ("=instance__id", "node_id")


@admin.register(MessageSubscription)
class MessageSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("instance", "node_id", "name", "correlation_key", "created_at")
    search_fields = ("=instance__id", "name", "correlation_key")


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "name",
        "correlation_key",
        "message_id",
        "created_at",
        "expires_at",
        "consumed_at",
        "consumed_by",
    )
    list_filter = (("consumed_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name", "correlation_key", "message_id")


@admin.register(SignalSubscription)
class SignalSubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("instance", "node_id", "name", "created_at")
    search_fields = ("=instance__id", "name")


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ("id", "name", "thrown_by", "created_at", "delivered_at")
    list_filter = (("delivered_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("name",)


def _generic_admin(model: type[models.Model]) -> type[ReadOnlyAdmin]:
    """A browse-only admin for an engine model without its own (columns, filters, search from its fields)."""
    fields = [
        f for f in model._meta.concrete_fields if not isinstance(f, models.JSONField | models.TextField)
    ]
    filters = [
        f.name for f in fields if f.choices or isinstance(f, models.BooleanField | models.DateTimeField)
    ]
    searchable = [f.name for f in fields if isinstance(f, models.CharField) and not f.choices]
    return type(
        f"{model.__name__}Admin",
        (ReadOnlyAdmin,),
        {
            "list_display": tuple(f.name for f in fields[:8]),
            "list_filter": tuple(filters[:4]),
            "search_fields": ("=id", *searchable[:3]),
        },
    )


# Every other engine table (and any a later change adds) is browsable too.
for _model in apps.get_app_config("engine").get_models():
    if not admin.site.is_registered(_model):
        admin.site.register(_model, _generic_admin(_model))
