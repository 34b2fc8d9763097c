"""Rollups: the analytics the pages show, kept small however long the event log grows.

engine events are folded into these rows incrementally (monitoring.rollups), so the dashboard
and the definition page read a few hundred rows instead of aggregating millions. They are
derived data: `manage.py monitoring_rollup --rebuild` recomputes them from the event log.
"""

from __future__ import annotations

from django.db import models

from engine.store.models import ID_LENGTH, ProcessDefinition


class NodeRollup(models.Model):
    """Per definition and node: visits, how long tokens stayed, how often the node failed."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="+")
    node_id = models.CharField(max_length=ID_LENGTH)
    visits = models.PositiveBigIntegerField(default=0)
    completions = models.PositiveBigIntegerField(default=0)
    total_ms = models.PositiveBigIntegerField(default=0, help_text="Sum of the completed visits' durations.")
    failures = models.PositiveBigIntegerField(default=0, help_text="Incidents raised at the node.")
    #: Completed visits per duration bucket (monitoring.histogram), for p50/p95 without the rows.
    histogram = models.JSONField(default=list)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("definition", "node_id"), name="node_rollup_unique"),)

    def __str__(self) -> str:
        return f"{self.node_id} of definition {self.definition_id}: {self.visits} visits"


class HourRollup(models.Model):
    """Per definition and hour (UTC): instances started, completed, failed; their cycle times."""

    definition = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    started = models.PositiveBigIntegerField(default=0)
    completed = models.PositiveBigIntegerField(default=0)
    ended_otherwise = models.PositiveBigIntegerField(default=0, help_text="Cancelled or terminated.")
    incidents = models.PositiveBigIntegerField(default=0)
    cycle_ms_total = models.PositiveBigIntegerField(
        default=0, help_text="Sum of completed instances' cycle times."
    )

    class Meta:
        constraints = (models.UniqueConstraint(fields=("definition", "hour"), name="hour_rollup_unique"),)
        indexes = (models.Index(fields=("hour",), name="hour_rollup_hour"),)

    def __str__(self) -> str:
        return f"definition {self.definition_id} at {self.hour:%Y-%m-%d %H}:00"


class DefinitionRollup(models.Model):
    """Per definition, all time: instances started and ended (the dashboard's counts, with the
    events after the cursor added live by monitoring.selectors.instance_counts)."""

    definition = models.OneToOneField(ProcessDefinition, on_delete=models.CASCADE, related_name="+")
    started = models.PositiveBigIntegerField(default=0)
    completed = models.PositiveBigIntegerField(default=0)
    ended_otherwise = models.PositiveBigIntegerField(default=0, help_text="Cancelled or terminated.")

    def __str__(self) -> str:
        return f"definition {self.definition_id}: {self.started} started"


class RollupCursor(models.Model):
    """How far the rollups have read the event log (one row; locked while folding)."""

    name = models.CharField(max_length=32, primary_key=True)
    last_event_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: events up to {self.last_event_id}"
