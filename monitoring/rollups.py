"""Fold the event log into the rollup tables (monitoring.models), a batch at a time.

Run by the relay every few seconds in the web process, and by `manage.py monitoring_rollup`
(cron, or `--rebuild` after an upgrade). Exactly once: the cursor row is locked while a batch
is folded and moves in the same transaction as the rollup rows.

Events are folded in id order, and only once they are SETTLE old: on PostgreSQL a smaller id
can commit after a larger one, and the cursor must not pass an id whose transaction is still
open. A command's transaction lasts milliseconds; SETTLE leaves a wide margin. The price:
charts and node statistics run up to SETTLE behind (the dashboard's counts are live).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.store.models import Event, Token
from monitoring import histogram
from monitoring.models import DefinitionRollup, HourRollup, NodeRollup, RollupCursor

SETTLE = timedelta(seconds=30)
BATCH = 5000
CURSOR = "events"
EVENT_COLUMNS = (
    "id",
    "instance_id",
    "instance__definition_id",
    "type",
    "node_id",
    "token_id",
    "created_at",
)


def refresh_rollups(*, batch: int = BATCH, settle: timedelta = SETTLE, now: datetime | None = None) -> int:
    """Fold the next settled events (at most `batch`) into the rollups; return how many."""
    cutoff = (now or timezone.now()) - settle
    # Read-only look first: the web process asks every few seconds, and on SQLite the locked
    # transaction below takes the database's write lock even when there is nothing to fold.
    last = RollupCursor.objects.filter(name=CURSOR).values_list("last_event_id", flat=True).first() or 0
    if not Event.objects.filter(id__gt=last, created_at__lte=cutoff).exists():
        return 0
    with transaction.atomic():
        RollupCursor.objects.get_or_create(name=CURSOR)
        cursor = RollupCursor.objects.select_for_update().get(name=CURSOR)
        rows = list(
            Event.objects.filter(id__gt=cursor.last_event_id).order_by("id").values(*EVENT_COLUMNS)[:batch]
        )
        settled = []
        for row in rows:
            if row["created_at"] > cutoff:
                break  # everything after it waits too: the cursor never jumps an unsettled id
            settled.append(row)
        if not settled:
            return 0
        _fold(settled)
        cursor.last_event_id = settled[-1]["id"]
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return len(settled)


def catch_up(**options: Any) -> int:
    """Fold everything settled; return how many events that was."""
    total = 0
    while folded := refresh_rollups(**options):
        total += folded
    return total


def rebuild() -> int:
    """Forget the rollups and fold the whole event log again."""
    with transaction.atomic():
        NodeRollup.objects.all().delete()
        HourRollup.objects.all().delete()
        DefinitionRollup.objects.all().delete()
        RollupCursor.objects.filter(name=CURSOR).delete()
    return catch_up()


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _milliseconds(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds() * 1000))


def _fold(rows: list[dict[str, Any]]) -> None:
    nodes: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {"visits": 0, "completions": 0, "total_ms": 0, "failures": 0, "histogram": []}
    )
    hours: dict[tuple[int, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    arrivals = _arrival_times(rows)
    starts = _start_times(rows)
    for row in rows:
        definition, kind = row["instance__definition_id"], row["type"]
        if kind == "token_arrived":
            nodes[definition, row["node_id"]]["visits"] += 1
        elif kind == "node_completed":
            node = nodes[definition, row["node_id"]]
            arrived = arrivals.get((row["instance_id"], row["token_id"]))
            node["completions"] += 1
            if arrived is not None:
                duration = _milliseconds(row["created_at"] - arrived)
                node["total_ms"] += duration
                node["histogram"] = histogram.add(node["histogram"], duration)
        elif kind == "incident_raised":
            nodes[definition, row["node_id"]]["failures"] += 1
            hours[definition, _hour(row["created_at"])]["incidents"] += 1
        elif kind == "instance_started":
            hours[definition, _hour(row["created_at"])]["started"] += 1
        elif kind == "instance_completed":
            hour = hours[definition, _hour(row["created_at"])]
            hour["completed"] += 1
            hour["cycle_ms_total"] += _milliseconds(row["created_at"] - starts[row["instance_id"]])
        elif kind in ("instance_cancelled", "instance_terminated"):
            hours[definition, _hour(row["created_at"])]["ended_otherwise"] += 1
    _save_nodes(nodes)
    _save_hours(hours)
    _save_definitions(hours)


def _arrival_times(rows: list[dict[str, Any]]) -> dict[tuple[int, int], datetime]:
    """When each token completed in `rows` arrived at its node (its Token row's created_at)."""
    wanted = {(row["instance_id"], row["token_id"]) for row in rows if row["type"] == "node_completed"}
    if not wanted:
        return {}
    instances = {instance for instance, _ in wanted}
    tokens = {token for _, token in wanted}
    found = Token.objects.filter(instance_id__in=instances, token_id__in=tokens).values_list(
        "instance_id", "token_id", "created_at"
    )
    return {(instance, token): at for instance, token, at in found if (instance, token) in wanted}


def _start_times(rows: list[dict[str, Any]]) -> dict[int, datetime]:
    """When each instance completed in `rows` started: its first event (the engine's clock)."""
    ended = {row["instance_id"] for row in rows if row["type"] == "instance_completed"}
    if not ended:
        return {}
    return dict(Event.objects.filter(instance_id__in=ended, seq=1).values_list("instance_id", "created_at"))


NODE_FIELDS = ("visits", "completions", "total_ms", "failures", "histogram")
HOUR_FIELDS = ("started", "completed", "ended_otherwise", "incidents", "cycle_ms_total")


def _save_nodes(nodes: dict[tuple[int, str], dict[str, Any]]) -> None:
    if not nodes:
        return
    existing = {
        (row.definition_id, row.node_id): row
        for row in NodeRollup.objects.filter(
            definition_id__in={definition for definition, _ in nodes}, node_id__in={node for _, node in nodes}
        )
    }
    rows = []
    for (definition, node_id), delta in nodes.items():
        row = existing.get((definition, node_id)) or NodeRollup(definition_id=definition, node_id=node_id)
        row.visits += delta["visits"]
        row.completions += delta["completions"]
        row.total_ms += delta["total_ms"]
        row.failures += delta["failures"]
        row.histogram = histogram.merge(row.histogram, delta["histogram"])
        rows.append(row)
    _upsert(NodeRollup, rows, ("definition", "node_id"), NODE_FIELDS)


def _save_hours(hours: dict[tuple[int, datetime], dict[str, int]]) -> None:
    if not hours:
        return
    existing = {
        (row.definition_id, row.hour): row
        for row in HourRollup.objects.filter(
            definition_id__in={definition for definition, _ in hours}, hour__in={hour for _, hour in hours}
        )
    }
    rows = []
    for (definition, hour), delta in hours.items():
        row = existing.get((definition, hour)) or HourRollup(definition_id=definition, hour=hour)
        for field in HOUR_FIELDS:
            setattr(row, field, getattr(row, field) + delta.get(field, 0))
        rows.append(row)
    _upsert(HourRollup, rows, ("definition", "hour"), HOUR_FIELDS)


DEFINITION_FIELDS = ("started", "completed", "ended_otherwise")


def _save_definitions(hours: dict[tuple[int, datetime], dict[str, int]]) -> None:
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DEFINITION_FIELDS, 0))
    for (definition, _), delta in hours.items():
        for field in DEFINITION_FIELDS:
            totals[definition][field] += delta.get(field, 0)
    if not totals:
        return
    existing = {row.definition_id: row for row in DefinitionRollup.objects.filter(definition_id__in=totals)}
    rows = []
    for definition, delta in totals.items():
        row = existing.get(definition) or DefinitionRollup(definition_id=definition)
        for field in DEFINITION_FIELDS:
            setattr(row, field, getattr(row, field) + delta[field])
        rows.append(row)
    _upsert(DefinitionRollup, rows, ("definition",), DEFINITION_FIELDS)


def _upsert(model: Any, rows: list[Any], unique: tuple[str, ...], fields: tuple[str, ...]) -> None:
    """Write the new totals in one statement (INSERT ... ON CONFLICT DO UPDATE).

    The totals were computed from the rows read under the cursor lock, which no other
    folder can hold, so writing absolute values is safe; one upsert stays linear in the
    number of rows where bulk_update's CASE expressions do not.
    """
    model.objects.bulk_create(rows, update_conflicts=True, unique_fields=unique, update_fields=fields)
