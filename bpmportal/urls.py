from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bpmportal import views
from monitoring import views as monitoring_views

admin.site.site_header = "bpmportal operations"
admin.site.site_title = "bpmportal"
admin.site.index_title = "Operator console"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("tasks/", include("engine.tasklist.urls")),
    path("api/v1/", include("engine.api.urls")),
    path("modeler/", include("modeler.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("metrics", monitoring_views.metrics_view, name="metrics"),
]
