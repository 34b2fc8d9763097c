"""Reads behind the monitoring pages (no writes; pages change state only through engine.services).

Instance counts are the rollup totals plus the lifecycle events after the rollup cursor
(exact and live); open incidents and token badges come from the indexed engine tables;
durations, failure rates and charts from the rollups (monitoring.rollups). bench/dashboard.py
times these on 100,000 instances and 1,000,000 events.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Subquery, Sum
from django.utils import timezone

from engine.store.models import (
    LIVE_TOKEN_STATUSES,
    Event,
    Incident,
    InstanceStatus,
    Job,
    JobStatus,
    ProcessDefinition,
    ProcessInstance,
    Token,
    UserTask,
    UserTaskStatus,
)
from monitoring import histogram
from monitoring.models import DefinitionRollup, HourRollup, NodeRollup, RollupCursor
from monitoring.rollups import CURSOR as ROLLUP_CURSOR

RECENT_FAILURES = 10
CHART_HOURS = 24
#: A node is a bottleneck when tokens spend at least this share of all node time there.
BOTTLENECK_SHARE = 0.2
TIMELINE_LIMIT = 5000


def _open_incidents_by_definition(definition_id: int | None = None) -> dict[int, dict[str, int]]:
    """Per definition: open incidents and the instances they stop (indexed on resolved_at).

    Not folded into a rollup: cancelling an instance resolves its incidents without an event
    of their own, so only the Incident table knows which are open.
    """
    queryset = Incident.objects.filter(resolved_at__isnull=True)
    if definition_id is not None:
        queryset = queryset.filter(instance__definition_id=definition_id)
    rows = (
        queryset.values("instance__definition_id")
        .annotate(incidents=Count("id"), instances=Count("instance_id", distinct=True))
        .order_by()
    )
    return {row["instance__definition_id"]: row for row in rows}


LIFECYCLE = {
    "instance_started": "started",
    "instance_completed": "completed",
    "instance_cancelled": "ended_otherwise",
    "instance_terminated": "ended_otherwise",
}


def instance_counts(definition_id: int | None = None) -> dict[int, dict[str, int]]:
    """Per definition: instances started, completed, ended otherwise; exact and live.

    The rollup holds the totals up to its cursor; the lifecycle events after the cursor (a few
    seconds' worth, read by primary key) are added here. Rollup and cursor are read in one
    statement, so a fold committing meanwhile cannot make an event count twice or not at all.
    """
    rollups = DefinitionRollup.objects.annotate(
        cursor=Subquery(RollupCursor.objects.filter(name=ROLLUP_CURSOR).values("last_event_id")[:1])
    )
    if definition_id is not None:
        rollups = rollups.filter(definition_id=definition_id)
    counts: dict[int, dict[str, int]] = {}
    cursor = None
    for row in rollups:
        cursor = row.cursor
        counts[row.definition_id] = {
            "started": row.started,
            "completed": row.completed,
            "ended_otherwise": row.ended_otherwise,
        }
    if cursor is None:
        cursor = (
            RollupCursor.objects.filter(name=ROLLUP_CURSOR).values_list("last_event_id", flat=True).first()
            or 0
        )
    recent = Event.objects.filter(id__gt=cursor, type__in=LIFECYCLE)
    if definition_id is not None:
        recent = recent.filter(instance__definition_id=definition_id)
    for row in recent.values("instance__definition_id", "type").annotate(n=Count("id")).order_by():
        totals = counts.setdefault(
            row["instance__definition_id"], dict.fromkeys(("started", "completed", "ended_otherwise"), 0)
        )
        totals[LIFECYCLE[row["type"]]] += row["n"]
    return counts


def _count_row(totals: dict[str, int], incidents: dict[str, int]) -> dict[str, int]:
    started, completed = totals.get("started", 0), totals.get("completed", 0)
    ended_otherwise = totals.get("ended_otherwise", 0)
    return {
        "running": started - completed - ended_otherwise,
        "completed": completed,
        # Failed: still running, but stopped by at least one open incident.
        "failed": incidents.get("instances", 0),
        "ended_otherwise": ended_otherwise,
        "incidents": incidents.get("incidents", 0),
    }


def dashboard() -> dict[str, Any]:
    """Per definition counts, open incidents, the last day's charts and the latest failures."""
    statuses = instance_counts()
    incidents = _open_incidents_by_definition()
    definitions = []
    for definition in ProcessDefinition.objects.only("key", "version", "name", "suspended").order_by(
        "key", "-version"
    ):
        definitions.append(
            {
                "id": definition.pk,
                "key": definition.key,
                "version": definition.version,
                "name": definition.name,
                "suspended": definition.suspended,
                **_count_row(statuses.get(definition.pk, {}), incidents.get(definition.pk, {})),
            }
        )
    return {
        "definitions": definitions,
        "chart": hourly_chart(),
        "recent_failures": recent_failures(),
    }


def hourly_chart(
    definition_id: int | None = None, *, hours: int = CHART_HOURS, now: datetime | None = None
) -> list[dict[str, Any]]:
    """One point per hour of the last `hours`: instances started, completed, mean cycle time."""
    end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=hours - 1)
    queryset = HourRollup.objects.filter(hour__gte=start)
    if definition_id is not None:
        queryset = queryset.filter(definition_id=definition_id)
    sums = {
        row["hour"]: row
        for row in queryset.values("hour").annotate(
            started_n=Sum("started"),
            completed_n=Sum("completed"),
            incidents_n=Sum("incidents"),
            cycle=Sum("cycle_ms_total"),
        )
    }
    points = []
    for offset in range(hours):
        hour = start + timedelta(hours=offset)
        row = sums.get(hour, {})
        completed = row.get("completed_n") or 0
        points.append(
            {
                "hour": hour.isoformat(),
                "started": row.get("started_n") or 0,
                "completed": completed,
                "incidents": row.get("incidents_n") or 0,
                "mean_cycle_ms": round(row["cycle"] / completed) if completed else None,
            }
        )
    return points


def recent_failures(definition_id: int | None = None, limit: int = RECENT_FAILURES) -> list[dict[str, Any]]:
    """The latest open incidents (through their index; instances and keys fetched for those only)."""
    queryset = Incident.objects.filter(resolved_at__isnull=True)
    if definition_id is not None:
        queryset = queryset.filter(instance__definition_id=definition_id)
    incidents = list(
        queryset.order_by("-created_at", "-pk").values("id", "instance_id", "node_id", "error", "created_at")[
            :limit
        ]
    )
    definition_of = dict(
        ProcessInstance.objects.filter(pk__in={row["instance_id"] for row in incidents}).values_list(
            "pk", "definition__key"
        )
    )
    return [
        {
            "id": row["id"],
            "instance": row["instance_id"],
            "process": definition_of.get(row["instance_id"], ""),
            "node": row["node_id"],
            "error": row["error"][:300],
            "at": row["created_at"].isoformat(),
        }
        for row in incidents
    ]


def node_activity(definition_id: int) -> dict[str, dict[str, int]]:
    """Per node: tokens there now (by status) and open incidents: the diagram's badges."""
    nodes: dict[str, dict[str, int]] = {}
    tokens = (
        # Live tokens only exist in running instances: find those through the (definition,
        # status) index, then their tokens through (instance, status).
        Token.objects.filter(
            instance__in=ProcessInstance.objects.filter(
                definition_id=definition_id, status=InstanceStatus.RUNNING
            ).values("id"),
            status__in=LIVE_TOKEN_STATUSES,
        )
        .values("node_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in tokens:
        nodes.setdefault(row["node_id"], {"tokens": 0, "incidents": 0})["tokens"] = row["n"]
    incidents = (
        Incident.objects.filter(resolved_at__isnull=True, instance__definition_id=definition_id)
        .values("node_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in incidents:
        nodes.setdefault(row["node_id"], {"tokens": 0, "incidents": 0})["incidents"] = row["n"]
    return nodes


def node_statistics(definition_id: int) -> list[dict[str, Any]]:
    """Per node: visits, mean/p50/p95 time spent, failure rate, and whether it is a bottleneck."""
    rows = list(NodeRollup.objects.filter(definition_id=definition_id).order_by("node_id"))
    all_time = sum(row.total_ms for row in rows) or 1
    ranked = sorted(rows, key=lambda row: row.total_ms, reverse=True)
    bottlenecks = {
        row.node_id for row in ranked[:3] if row.total_ms and row.total_ms / all_time >= BOTTLENECK_SHARE
    }
    return [
        {
            "node": row.node_id,
            "visits": row.visits,
            "mean_ms": round(row.total_ms / row.completions) if row.completions else None,
            "p50_ms": histogram.percentile(row.histogram, 0.5),
            "p95_ms": histogram.percentile(row.histogram, 0.95),
            "failure_rate": row.failures / row.visits if row.visits else 0.0,
            "failures": row.failures,
            "bottleneck": row.node_id in bottlenecks,
        }
        for row in rows
    ]


def definition_summary(definition: ProcessDefinition) -> dict[str, Any]:
    statuses = instance_counts(definition.pk).get(definition.pk, {})
    incidents = _open_incidents_by_definition(definition.pk).get(definition.pk, {})
    return {
        "id": definition.pk,
        "key": definition.key,
        "version": definition.version,
        "suspended": definition.suspended,
        "counts": _count_row(statuses, incidents),
        "nodes": node_activity(definition.pk),
        "statistics": node_statistics(definition.pk),
        "chart": hourly_chart(definition.pk),
    }


def recent_instances(definition_id: int, *, status: str = "", limit: int = 25) -> list[ProcessInstance]:
    queryset = ProcessInstance.objects.filter(definition_id=definition_id)
    if status:
        queryset = queryset.filter(status=status)
    return list(queryset.only("business_key", "status", "started_at", "ended_at").order_by("-pk")[:limit])


def instance_detail(instance: ProcessInstance) -> dict[str, Any]:
    """Everything the instance page draws: its events (the replay source), incidents, tasks."""
    events = list(
        Event.objects.filter(instance=instance)
        .order_by("seq")
        .values("seq", "type", "node_id", "token_id", "payload", "created_at", "hash")[:TIMELINE_LIMIT]
    )
    return {
        "id": instance.pk,
        "definition": instance.definition_id,
        "status": instance.status,
        "business_key": instance.business_key,
        "variables": instance.variables,
        "last_seq": instance.last_seq,
        "events": [
            {
                "instance": instance.pk,
                "seq": row["seq"],
                "type": row["type"],
                "node": row["node_id"],
                "token": row["token_id"],
                "payload": row["payload"],
                "at": row["created_at"].isoformat(),
                "hash": row["hash"],
            }
            for row in events
        ],
        "incidents": [
            {
                "id": incident.pk,
                "node": incident.node_id,
                "error": incident.error,
                "details": incident.details,
                "at": incident.created_at.isoformat(),
                "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
            }
            for incident in Incident.objects.filter(instance=instance).order_by("-created_at", "-pk")
        ],
        "user_tasks": list(
            UserTask.objects.filter(instance=instance, status=UserTaskStatus.OPEN).values(
                "id", "node_id", "name", "assignee"
            )
        ),
    }


def node_choices(definition: ProcessDefinition) -> list[tuple[str, str]]:
    """(node id, label) of every node, for the token modification form."""
    nodes = definition.graph.get("nodes", []) if isinstance(definition.graph, dict) else []
    return sorted((node["id"], node.get("name") or node["id"]) for node in nodes)


def metrics_snapshot() -> dict[str, Any]:
    """The numbers /metrics exposes (monitoring.metrics formats them)."""
    keys = dict(ProcessDefinition.objects.values_list("id", "key"))
    instances = []
    for definition_id, totals in instance_counts().items():
        row = _count_row(totals, {})
        for status in ("running", "completed"):
            instances.append({"definition__key": keys[definition_id], "status": status, "n": row[status]})
        instances.append(
            {
                "definition__key": keys[definition_id],
                "status": "cancelled_or_terminated",
                "n": row["ended_otherwise"],
            }
        )
    open_incidents = Incident.objects.filter(resolved_at__isnull=True).aggregate(
        incidents=Count("id"), instances=Count("instance_id", distinct=True)
    )
    jobs = dict(Job.objects.values_list("status").annotate(n=Count("id")).order_by())
    queue_depth = Job.objects.filter(status=JobStatus.PENDING, due_at__lte=timezone.now()).count()
    return {
        "instances": instances,
        "open_incidents": open_incidents,
        "incidents_total": Incident.objects.count(),
        "jobs": jobs,
        "queue_depth": queue_depth,
        "job_latency": _job_latency_buckets(),
    }


#: Upper bounds (seconds) of the job latency histogram's buckets: created -> completed.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def _job_latency_buckets() -> dict[str, Any]:
    latency = ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())
    done = Job.objects.filter(status=JobStatus.COMPLETED, completed_at__isnull=False).annotate(
        latency=latency
    )
    aggregates = {
        f"le_{index}": Count("id", filter=Q(latency__lte=timedelta(seconds=bound)))
        for index, bound in enumerate(LATENCY_BUCKETS)
    }
    result = done.aggregate(count=Count("id"), total=Sum("latency"), **aggregates)
    return {
        "buckets": [(bound, result[f"le_{index}"]) for index, bound in enumerate(LATENCY_BUCKETS)],
        "count": result["count"],
        "sum_seconds": result["total"].total_seconds() if result["total"] else 0.0,
    }
