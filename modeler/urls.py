from django.urls import path

from modeler import views

app_name = "modeler"

urlpatterns = [
    path("", views.model_list, name="list"),
    path("new/", views.new_draft, name="new"),
    path("import/", views.import_file, name="import"),
    path("drafts/<int:pk>/", views.draft_editor, name="draft"),
    path("definitions/<int:pk>/", views.definition_editor, name="definition"),
    path("save/", views.save, name="save"),
    path("deploy/", views.deploy, name="deploy"),
]
