from django.apps import AppConfig


class TasklistConfig(AppConfig):
    name = "engine.tasklist"
    label = "tasklist"
    verbose_name = "Tasklist"
