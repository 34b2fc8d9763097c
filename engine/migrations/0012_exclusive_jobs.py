"""Exclusive jobs: one running exclusive job per instance, enforced by a partial unique index.

Before, a job whose lock had expired no longer counted as running for the exclusivity check,
so an instance may hold two running jobs. The index cannot be built over them: every
running job of such an instance but the one locked longest is handed back to the queue
(pending, its attempt refunded), as crash recovery would have done.
"""

from django.db import migrations, models
from django.db.models import Count, F


def release_surplus_running_jobs(apps, schema_editor):
    Job = apps.get_model("engine", "Job")
    crowded = (
        Job.objects.filter(status="running")
        .values("instance_id")
        .annotate(running=Count("id"))
        .filter(running__gt=1)
        .values_list("instance_id", flat=True)
    )
    for instance_id in list(crowded):
        running = Job.objects.filter(instance_id=instance_id, status="running").order_by(
            F("lock_expires_at").desc(nulls_last=True), "pk"
        )
        surplus = [job.pk for job in running][1:]
        Job.objects.filter(pk__in=surplus).update(
            status="pending",
            attempts=F("attempts") - 1,
            lock_owner="",
            lock_expires_at=None,
            dispatched_at=None,
            last_error="handed back to the queue by migration 0012 (one running job per instance)",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("engine", "0011_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="exclusive",
            field=models.BooleanField(
                default=True,
                help_text="Runs while no other exclusive job of its instance runs "
                "(BPM_JOBS_EXCLUSIVE when created).",
            ),
        ),
        migrations.RunPython(release_surplus_running_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="job",
            constraint=models.UniqueConstraint(
                condition=models.Q(("exclusive", True), ("status", "running")),
                fields=("instance",),
                name="job_one_exclusive_running_per_instance",
            ),
        ),
    ]
