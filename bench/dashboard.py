"""Dashboard latency at scale: 100,000 instances and 1,000,000 events, then time every monitoring read.

    .venv/bin/python bench/dashboard.py                     # 100k instances, 10 events each
    .venv/bin/python bench/dashboard.py --instances 10000   # a quick run

On its own PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bpm_dashboard,
dropped, recreated and migrated) it deploys five processes through the services, bulk loads
(COPY) instances, their events, tokens, jobs and incidents spread over the last seven days,
folds the events into the monitoring rollups (timed: that is the cost of catching up from
nothing), runs VACUUM ANALYZE, and then times each read the monitoring pages make, --repeat
times, printing p50/p99 as a Markdown table. Exit 1 when the dashboard's p99 exceeds 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import markdown_table, prepare_database, setup_django

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_dashboard"
DASHBOARD_BUDGET_MS = 200
PROCESSES = ("order", "invoice", "onboarding", "claims", "shipping")
#: The path every synthetic instance walks (nodes of examples/order.bpmn), one event per step.
STEPS = (
    ("instance_started", None),
    ("token_arrived", "received"),
    ("node_completed", "received"),
    ("token_arrived", "review"),
    ("task_waiting", "review"),
    ("variables_updated", "review"),
    ("node_completed", "review"),
    ("token_arrived", "decision"),
    ("node_completed", "decision"),
    ("token_arrived", "reserveStock"),
    ("node_completed", "reserveStock"),
)


#: The kernel token id of each visit on that path (one token per node, as in a sequential run).
TOKEN_AT = {"received": 1, "review": 2, "decision": 3, "reserveStock": 4}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50, help="timed runs of each read")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def percentile(sorted_values: list[float], fraction: float) -> float:
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def copy_rows(model: Any, rows: Iterator[dict[str, Any]]) -> int:
    """COPY rows into the model's table; columns a row leaves out get the field's default."""
    from django.db import connection, models

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor: COPY is not part of the DB-API
        with raw.copy(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                values = []
                for field in fields:
                    value = row[field.attname] if field.attname in row else field.get_default()
                    if isinstance(field, models.JSONField):
                        value = json.dumps(value)
                    values.append(value)
                copy.write_row(values)
                count += 1
    return count


def seed(instances: int, rng: random.Random) -> dict[str, int]:
    """Bulk load the engine tables; return row counts."""
    from django.db import connection, transaction

    from engine.services import deploy
    from engine.store.models import Event, Incident, InstanceStatus, Job, ProcessInstance, Token

    xml = (Path(__file__).resolve().parents[1] / "examples" / "order.bpmn").read_text()
    definitions = [deploy(xml.replace('id="order"', f'id="{key}"')).pk for key in PROCESSES]
    now = datetime.now().astimezone()
    plan = []  # (definition, status, started_at, steps walked, has incident)
    for _ in range(instances):
        # At least an hour ago: every event is in the past, so the rollups can fold them all.
        started = now - timedelta(seconds=rng.uniform(3600, 7 * 24 * 3600))
        roll = rng.random()
        status, steps, incident = (
            (InstanceStatus.COMPLETED, len(STEPS), False)
            if roll < 0.70
            else (InstanceStatus.RUNNING, 5, False)
            if roll < 0.90
            else (InstanceStatus.RUNNING, 10, True)
            if roll < 0.95
            else (InstanceStatus.CANCELLED, 5, False)
        )
        plan.append((rng.choice(definitions), status, started, steps, incident))

    with transaction.atomic():
        copy_rows(
            ProcessInstance,
            (
                {
                    "definition_id": definition,
                    "status": status,
                    "state": {},
                    "variables": {"orderId": f"A-{n}", "total": n % 500},
                    "business_key": f"A-{n}",
                    "last_seq": steps + (1 if status != InstanceStatus.RUNNING else 0),
                    "started_at": started,
                    "ended_at": started + timedelta(minutes=5) if status != InstanceStatus.RUNNING else None,
                }
                for n, (definition, status, started, steps, _) in enumerate(plan)
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM engine_processinstance")
            first_id = cursor.fetchone()[0]
        ids = range(first_id, first_id + instances)

        def events() -> Iterator[dict[str, Any]]:
            for instance_id, (_, status, started, steps, incident) in zip(ids, plan, strict=True):
                at = started
                for seq, (kind, node) in enumerate(STEPS[:steps], start=1):
                    at += timedelta(seconds=rng.uniform(0.01, 90))
                    token = TOKEN_AT.get(node)
                    yield {
                        "instance_id": instance_id,
                        "seq": seq,
                        "type": kind,
                        "node_id": node,
                        "token_id": token,
                        "payload": {},
                        "created_at": at,
                        "prev_hash": "",
                        "hash": "x" * 64,
                    }
                if incident:
                    yield {
                        "instance_id": instance_id,
                        "seq": steps + 1,
                        "type": "incident_raised",
                        "node_id": "reserveStock",
                        "token_id": 4,
                        "payload": {},
                        "created_at": at,
                        "prev_hash": "",
                        "hash": "x" * 64,
                    }
                elif status != InstanceStatus.RUNNING:
                    yield {
                        "instance_id": instance_id,
                        "seq": steps + 1,
                        "type": f"instance_{status}",
                        "node_id": None,
                        "token_id": None,
                        "payload": {},
                        "created_at": at + timedelta(seconds=1),
                        "prev_hash": "",
                        "hash": "x" * 64,
                    }

        event_count = copy_rows(Event, events())

        def tokens() -> Iterator[dict[str, Any]]:
            for instance_id, (_, status, started, steps, incident) in zip(ids, plan, strict=True):
                reached = {node for _, node in STEPS[:steps] if node}
                for node, token in TOKEN_AT.items():
                    if node not in reached:
                        break
                    # The last node reached holds the live token, unless the instance completed.
                    live = node == STEPS[steps - 1][1] and status != InstanceStatus.COMPLETED
                    status_now = (
                        ("failed" if incident else "waiting")
                        if live and status == InstanceStatus.RUNNING
                        else ("terminated" if live else "completed")
                    )
                    yield {
                        "instance_id": instance_id,
                        "token_id": token,
                        "node_id": node,
                        "status": status_now,
                        "previous_token_id": token - 1 or None,
                        "created_at": started,
                        "ended_at": None if live else started,
                    }

        token_count = copy_rows(Token, tokens())
        job_count = copy_rows(
            Job,
            (
                {
                    "instance_id": instance_id,
                    "token_id": 4,
                    "node_id": "reserveStock",
                    "handler_type": "noop",
                    "status": "failed" if incident else "completed",
                    "attempts": 1,
                    "created_at": started,
                    "completed_at": None if incident else started + timedelta(seconds=rng.uniform(0.01, 3)),
                    "idempotency_key": uuid.uuid4(),
                }
                for instance_id, (_, _, started, steps, incident) in zip(ids, plan, strict=True)
                if "reserveStock" in {node for _, node in STEPS[:steps]}
            ),
        )
        incident_count = copy_rows(
            Incident,
            (
                {
                    "instance_id": instance_id,
                    "incident_id": 1,
                    "token_id": 4,
                    "node_id": "reserveStock",
                    "error": "stock service unavailable",
                    "created_at": started,
                }
                for instance_id, (_, _, started, _, incident) in zip(ids, plan, strict=True)
                if incident
            ),
        )
    return {
        "instances": instances,
        "events": event_count,
        "tokens": token_count,
        "jobs": job_count,
        "incidents": incident_count,
    }


def timed(work: Callable[[], object], repeat: int) -> tuple[float, float]:
    work()  # warm: connection, query plans
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return percentile(samples, 0.5), percentile(samples, 0.99)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the dashboard benchmark runs on PostgreSQL; got {url}")
    prepare_database(url)
    setup_django(url, Path(tempfile.mkdtemp(prefix="bpm-dashboard-")))
    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client

    from engine.store.models import ProcessDefinition, ProcessInstance
    from monitoring import selectors
    from monitoring.rollups import catch_up

    began = time.monotonic()
    counts = seed(args.instances, random.Random(args.seed))  # noqa: S311 - reproducible test data
    seeded_in = time.monotonic() - began
    began = time.monotonic()
    folded = catch_up(settle=timedelta(0))
    folded_in = time.monotonic() - began
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    viewer = User.objects.create_user("bench-viewer")
    viewer.groups.add(Group.objects.get_or_create(name="viewers")[0])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)

    def get(url: str) -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
        return response

    definition = ProcessDefinition.objects.order_by("pk").first()
    instance = ProcessInstance.objects.filter(status="running").order_by("-pk").first()
    if definition is None or instance is None:
        raise SystemExit("seeding left no definition or running instance to time")

    reads: list[tuple[str, Callable[[], object]]] = [
        ("dashboard (selectors.dashboard)", selectors.dashboard),
        ("GET /monitoring/dashboard.json", lambda: get("/monitoring/dashboard.json")),
        ("definition summary (badges, node stats, chart)", lambda: selectors.definition_summary(definition)),
        ("instance detail (events, incidents)", lambda: selectors.instance_detail(instance)),
        ("analytics: 7-day hourly chart", lambda: selectors.hourly_chart(definition.pk, hours=7 * 24)),
        ("GET /metrics", lambda: get("/metrics")),
    ]
    results = [(name, *timed(work, args.repeat)) for name, work in reads]
    dashboard_p99 = results[1][2]

    print(
        f"\n## Dashboard latency: {counts['instances']:,} instances, {counts['events']:,} events, "
        f"{counts['tokens']:,} tokens, {counts['incidents']:,} open incidents (PostgreSQL)\n"
    )
    print(
        f"seeded (COPY) in {seeded_in:.1f} s; rollups folded {folded:,} events from nothing "
        f"in {folded_in:.1f} s ({folded / max(folded_in, 1e-9):,.0f} events/s)\n"
    )
    rows = [(name, f"{p50:.1f} ms", f"{p99:.1f} ms") for name, p50, p99 in results]
    rows.append(
        (
            "budget: dashboard.json p99",
            f"{DASHBOARD_BUDGET_MS} ms",
            "ok" if dashboard_p99 <= DASHBOARD_BUDGET_MS else "FAIL",
        )
    )
    print(markdown_table(("read", f"p50 ({args.repeat} runs)", "p99"), rows))
    return 0 if dashboard_p99 <= DASHBOARD_BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
