"""The API's routes, mounted at /api/v1/ by bpmportal.urls."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from engine.api import definitions, health, instances, messages, tasks, work
from engine.api.problems import UnknownPathView

app_name = "api"

urlpatterns = [
    path("definitions", definitions.DefinitionsView.as_view(), name="definitions"),
    path("definitions/<int:definition_id>", definitions.DefinitionView.as_view(), name="definition"),
    path(
        "definitions/<int:definition_id>/xml", definitions.DefinitionXmlView.as_view(), name="definition-xml"
    ),
    path(
        "definitions/<int:definition_id>/statistics",
        definitions.DefinitionStatisticsView.as_view(),
        name="definition-statistics",
    ),
    path(
        "definitions/<int:definition_id>/suspend",
        definitions.DefinitionSuspendView.as_view(),
        name="definition-suspend",
    ),
    path(
        "definitions/<int:definition_id>/activate",
        definitions.DefinitionActivateView.as_view(),
        name="definition-activate",
    ),
    path("instances", instances.InstancesView.as_view(), name="instances"),
    path("instances/<int:instance_id>", instances.InstanceView.as_view(), name="instance"),
    path(
        "instances/<int:instance_id>/cancel", instances.InstanceCancelView.as_view(), name="instance-cancel"
    ),
    path(
        "instances/<int:instance_id>/variables",
        instances.InstanceVariablesView.as_view(),
        name="instance-variables",
    ),
    path(
        "instances/<int:instance_id>/history",
        instances.InstanceHistoryView.as_view(),
        name="instance-history",
    ),
    path(
        "instances/<int:instance_id>/tokens", instances.InstanceTokensView.as_view(), name="instance-tokens"
    ),
    path(
        "instances/<int:instance_id>/modify", instances.InstanceModifyView.as_view(), name="instance-modify"
    ),
    path("tasks", tasks.TasksView.as_view(), name="tasks"),
    path("tasks/<int:task_id>", tasks.TaskView.as_view(), name="task"),
    path("tasks/<int:task_id>/claim", tasks.TaskClaimView.as_view(), name="task-claim"),
    path("tasks/<int:task_id>/unclaim", tasks.TaskUnclaimView.as_view(), name="task-unclaim"),
    path("tasks/<int:task_id>/complete", tasks.TaskCompleteView.as_view(), name="task-complete"),
    path("messages", messages.MessagesView.as_view(), name="messages"),
    path("signals", messages.SignalsView.as_view(), name="signals"),
    path("jobs", work.JobsView.as_view(), name="jobs"),
    path("jobs/<int:job_id>/retry", work.JobRetryView.as_view(), name="job-retry"),
    path("jobs/<int:job_id>/retries", work.JobRetriesView.as_view(), name="job-retries"),
    path("incidents", work.IncidentsView.as_view(), name="incidents"),
    path("incidents/<int:incident_id>/retry", work.IncidentRetryView.as_view(), name="incident-retry"),
    path("health", health.HealthView.as_view(), name="health"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]

# Anything else under /api/v1/ is a problem document too, not Django's HTML 404 page.
urlpatterns.append(re_path(r"^.*$", UnknownPathView.as_view(), name="unknown"))
