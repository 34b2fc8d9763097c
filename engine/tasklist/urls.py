from django.urls import path

from engine.tasklist import views

app_name = "tasklist"

urlpatterns = [
    path("", views.inbox_page, name="inbox"),
    path("inbox.json", views.inbox_json, name="inbox-json"),
    path("<int:task_id>/", views.task_page, name="task"),
    path("<int:task_id>/state.json", views.task_state_json, name="task-state"),
    path("<int:task_id>/claim", views.claim, name="claim"),
    path("<int:task_id>/unclaim", views.unclaim, name="unclaim"),
    path("<int:task_id>/complete", views.complete, name="complete"),
]
