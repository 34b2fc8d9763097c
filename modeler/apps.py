from django.apps import AppConfig


class ModelerConfig(AppConfig):
    name = "modeler"
    verbose_name = "Process modeler"
    default_auto_field = "django.db.models.BigAutoField"
