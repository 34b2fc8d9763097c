"""Start events: timer start events, message and signal start subscriptions, the signal start
record, and the message outbox of message throw/end events and send tasks."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("engine", "0005_signals")]

    operations = [
        migrations.CreateModel(
            name="OutboxMessage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                ("correlation_key", models.CharField(blank=True, max_length=255, null=True)),
                ("variables", models.JSONField(blank=True, default=dict)),
                ("node_id", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("outcome", models.CharField(blank=True, max_length=16)),
                (
                    "sent_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="messages_sent",
                        to="engine.processinstance",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["sent_at", "created_at"], name="message_outbox")],
            },
        ),
        migrations.CreateModel(
            name="SignalStart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "definition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="engine.processdefinition",
                    ),
                ),
                (
                    "instance",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="engine.processinstance",
                    ),
                ),
                (
                    "signal",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="starts", to="engine.signal"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("signal", "definition"), name="signal_start_once")
                ],
            },
        ),
        migrations.CreateModel(
            name="StartSubscription",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("node_id", models.CharField(max_length=255)),
                ("trigger", models.CharField(help_text="message or signal", max_length=10)),
                ("name", models.CharField(max_length=255)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "definition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="start_subscriptions",
                        to="engine.processdefinition",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["trigger", "name"], name="start_subscription_lookup")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("definition", "node_id"), name="start_subscription_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StartTimer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("node_id", models.CharField(max_length=255)),
                ("kind", models.CharField(max_length=10)),
                (
                    "spec",
                    models.CharField(help_text="timeDate / timeDuration / timeCycle text.", max_length=200),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("armed", "Armed"), ("fired", "Fired"), ("cancelled", "Cancelled")],
                        default="armed",
                        max_length=10,
                    ),
                ),
                ("due_at", models.DateTimeField(blank=True, null=True)),
                ("fired_count", models.PositiveIntegerField(default=0)),
                ("last_fired_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "definition",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="start_timers",
                        to="engine.processdefinition",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["status", "due_at"], name="start_timer_due")],
                "constraints": [
                    models.UniqueConstraint(fields=("definition", "node_id"), name="start_timer_unique")
                ],
            },
        ),
    ]
