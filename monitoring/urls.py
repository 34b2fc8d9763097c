from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard.json", views.dashboard_json, name="dashboard-json"),
    path("analytics/", views.analytics, name="analytics"),
    path("definitions/<int:definition_id>/", views.definition_page, name="definition"),
    path("definitions/<int:definition_id>/summary.json", views.definition_json, name="definition-json"),
    path(
        "definitions/<int:definition_id>/suspension/",
        views.suspend_definition_view,
        name="definition-suspension",
    ),
    path("instances/<int:instance_id>/", views.instance_page, name="instance"),
    path("instances/<int:instance_id>/detail.json", views.instance_json, name="instance-json"),
    path("instances/<int:instance_id>/cancel/", views.cancel_instance_view, name="instance-cancel"),
    path("instances/<int:instance_id>/modify/", views.modify_instance_view, name="instance-modify"),
    path(
        "instances/<int:instance_id>/incidents/<int:incident_id>/retry/",
        views.retry_incident_view,
        name="incident-retry",
    ),
]
