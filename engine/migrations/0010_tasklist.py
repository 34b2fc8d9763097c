"""The tasklist: one row per candidate user or group of a user task, so inboxes can query them."""

import django.db.models.deletion
from django.db import migrations, models


def index_existing_candidates(apps, schema_editor):
    UserTask = apps.get_model("engine", "UserTask")
    UserTaskCandidate = apps.get_model("engine", "UserTaskCandidate")
    rows = [
        UserTaskCandidate(task_id=task.pk, kind=kind, name=name)
        for task in UserTask.objects.only("candidate_users", "candidate_groups").iterator()
        for kind, names in (("user", task.candidate_users), ("group", task.candidate_groups))
        for name in dict.fromkeys(names)
    ]
    UserTaskCandidate.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("engine", "0009_compensation")]

    operations = [
        migrations.CreateModel(
            name="UserTaskCandidate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(choices=[("user", "User"), ("group", "Group")], max_length=8)),
                ("name", models.CharField(max_length=255)),
                (
                    "task",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="candidates",
                        to="engine.usertask",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["kind", "name"], name="user_task_candidate_name")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("task", "kind", "name"), name="user_task_candidate_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(index_existing_candidates, migrations.RunPython.noop),
    ]
