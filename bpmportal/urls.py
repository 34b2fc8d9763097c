from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from bpmportal import views

admin.site.site_header = "bpmportal operations"
admin.site.site_title = "bpmportal"
admin.site.index_title = "Operator console"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
