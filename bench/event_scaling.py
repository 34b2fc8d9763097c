"""Throughput against history size: straight-through instances/s with 10k, 100k and 1M events already stored.

    .venv/bin/python bench/event_scaling.py --levels 10000 100000 1000000
    .venv/bin/python bench/event_scaling.py --levels 1000 10000 --instances 200   # a quick run

On its own PostgreSQL database (--database, else postgres://postgres@127.0.0.1:5432/bpm_events,
dropped, recreated and migrated) it grows the event log to each --levels count in turn and then
times --instances straight-through instances of bench/straight_through.bpmn through
engine.services, in-process, exactly as bench/straight_through.py does (and with its checks:
every instance completed correctly, a sample's stored history verified).

The stored history is seeded in bulk: one real instance of the model is run, then copied with
INSERT ... SELECT over generate_series (instance row, events and tokens) until the event table
holds the level, followed by ANALYZE. The copies' hash chains are not valid for their new ids
(`bpm verify` would report them); only their volume matters here. Prints a Markdown table and
exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import markdown_table, prepare_database, setup_django
from bench.straight_through import run_engine

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_events"
#: Instances copied per INSERT statement (about 25 events each): bounded memory and transaction size.
COPIES_PER_STATEMENT = 20_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--levels", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--instances", type=int, default=1000, help="timed instances at each level")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args(argv)
    if sorted(set(args.levels)) != args.levels:
        parser.error("--levels must be increasing")
    return args


def _columns(model: type, *, leave_out: tuple[str, ...]) -> list[str]:
    from django.db import connection

    return [
        connection.ops.quote_name(field.column)
        for field in model._meta.concrete_fields
        if not field.primary_key and field.column not in leave_out
    ]


def copy_instance(template_id: int, copies: int) -> None:
    """Insert `copies` copies of instance `template_id` with its events and tokens, in one statement."""
    from django.db import connection, transaction

    from engine.store.models import Event, ProcessInstance, Token

    instance_columns = ", ".join(_columns(ProcessInstance, leave_out=()))
    event_columns = ", ".join(_columns(Event, leave_out=("instance_id",)))
    token_columns = ", ".join(_columns(Token, leave_out=("instance_id",)))
    with transaction.atomic(), connection.cursor() as cursor:
        # Data-modifying CTEs: the new instance ids feed the event and token copies.
        cursor.execute(
            f"""
            WITH new AS (
                INSERT INTO engine_processinstance ({instance_columns})
                SELECT {instance_columns} FROM engine_processinstance, generate_series(1, %(copies)s)
                WHERE id = %(template)s
                RETURNING id
            ), events AS (
                INSERT INTO engine_event (instance_id, {event_columns})
                SELECT new.id, {", ".join(f"e.{c}" for c in event_columns.split(", "))}
                FROM new CROSS JOIN engine_event e WHERE e.instance_id = %(template)s
            )
            INSERT INTO engine_token (instance_id, {token_columns})
            SELECT new.id, {", ".join(f"t.{c}" for c in token_columns.split(", "))}
            FROM new CROSS JOIN engine_token t WHERE t.instance_id = %(template)s
            """,  # noqa: S608 - the column names come from the models; values are parameters
            {"copies": copies, "template": template_id},
        )


def seed_to(level: int, template_id: int, events_per_instance: int) -> float:
    """Copy the template until at least `level` events are stored; return the seconds it took."""
    from django.db import connection

    from engine.store.models import Event

    began = time.monotonic()
    missing = level - Event.objects.count()
    while missing > 0:
        copies = min(COPIES_PER_STATEMENT, -(-missing // events_per_instance))
        copy_instance(template_id, copies)
        missing -= copies * events_per_instance
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.monotonic() - began


def event_table_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('engine_event')")
        return cursor.fetchone()[0]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the event scaling benchmark runs on PostgreSQL; got {url}")
    prepare_database(url)
    setup_django(url, Path(tempfile.mkdtemp(prefix="bpm-events-")))
    from engine.store.models import Event, ProcessInstance

    # The template: one real, completed instance of the benchmark model.
    run_engine(url, instances=1, warmup=0)
    template = ProcessInstance.objects.filter(status="completed").order_by("pk").first()
    if template is None:
        raise SystemExit("the template instance did not complete")
    events_per_instance = Event.objects.filter(instance=template).count()

    rows, failed = [], []
    first_n = 1
    for level in args.levels:
        seeded_in = seed_to(level, template.pk, events_per_instance)
        stored = Event.objects.count()
        result = run_engine(url, instances=args.instances, warmup=args.warmup, first_n=first_n)
        first_n += args.instances
        if result["completed_correctly"] != args.instances or result["history_broken"]:
            failed.append((level, result["wrong"], result["history_broken"]))
        rows.append(
            (
                f"{stored:,}",
                f"{seeded_in:.1f} s",
                f"{result['completed_correctly']} / {args.instances}",
                f"{result['instances_per_second']:.0f}",
                f"{result['p50_ms']:.2f} ms",
                f"{result['p99_ms']:.2f} ms",
                f"{event_table_bytes() / 2**20:,.0f} MiB",
            )
        )

    print(
        f"\n## Event scaling: {args.instances} straight-through instances per level "
        f"({events_per_instance} events each), PostgreSQL\n"
    )
    headers = (
        "stored events",
        "seeded in",
        "completed correctly",
        "instances/s",
        "p50",
        "p99",
        "event table",
    )
    print(markdown_table(headers, rows))
    for level, wrong, broken in failed:
        print(f"\nFAIL at {level:,} events: wrong instances {wrong} {broken}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
