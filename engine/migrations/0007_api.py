"""The REST API: role groups, business key claims and worker heartbeats."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

ROLE_GROUPS = ("viewers", "operators", "modelers")  # engine.roles.ROLES, frozen at this migration


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0006_start_events"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("owner", models.CharField(max_length=255, unique=True)),
                ("started_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_seen_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="BusinessKeyClaim",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("process_key", models.CharField(max_length=255)),
                ("business_key", models.CharField(max_length=255)),
                (
                    "instance",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="engine.processinstance",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("process_key", "business_key"), name="business_key_claim_unique"
                    )
                ],
            },
        ),
        # Groups are data, not schema: removing them on unapply would drop memberships silently.
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
