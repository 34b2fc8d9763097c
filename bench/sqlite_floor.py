"""The floor under straight-through on SQLite: what writing one instance costs with no engine around it.

    .venv/bin/python bench/sqlite_floor.py --instances 2000

On a temporary SQLite file, migrated and configured like the product's (WAL, synchronous
NORMAL, foreign keys), it runs one instance of bench/straight_through.bpmn through
engine.services, reads back the rows that start wrote (the instance, its events, tokens and
join firing), and then times:

- those very rows written again --instances times with the raw `sqlite3` module: BEGIN
  IMMEDIATE, one INSERT of the instance, one executemany each for events, tokens and join
  firings, COMMIT; no Django, no kernel, no hashing: the database's own cost;
- the kernel alone running the start command of the model in memory, --instances times.

Their sum is the least one start with this data model can take on this machine; compare it
with bench/straight_through.py (docs/BENCHMARKS.md, *Where the time goes*). Prints a Markdown
table.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import markdown_table, migrate, setup_django

MODEL = Path(__file__).with_name("straight_through.bpmn")
INSTANCE_COLUMNS = (
    "definition_id, business_key, status, variables, state, version, last_seq, last_hash, "
    "started_at, ended_at, started_by_id"
)
EVENT_COLUMNS = "seq, type, node_id, token_id, payload, created_at, prev_hash, hash"
TOKEN_COLUMNS = "token_id, node_id, scope, status, previous_token_id, flow_id, version, created_at, ended_at"
JOIN_COLUMNS = "scope, gateway_id, generation, token_id, created_at"
COLUMNS = {"engine_event": EVENT_COLUMNS, "engine_token": TOKEN_COLUMNS, "engine_joinfiring": JOIN_COLUMNS}


#: The events one per step would keep: the instance's start and end and one per node.
ONE_PER_STEP = ("instance_started", "node_completed", "instance_completed")


def time_writes(db: sqlite3.Connection, instance: tuple, rows: dict[str, list[tuple]], times: int) -> float:
    """Seconds per instance to write `rows` for a new instance row, one transaction each."""
    began = time.perf_counter()
    for _ in range(times):
        db.execute("BEGIN IMMEDIATE")
        marks = ", ".join("?" * len(instance))
        (pk,) = db.execute(
            f"INSERT INTO engine_processinstance ({INSTANCE_COLUMNS}) VALUES ({marks}) RETURNING id",  # noqa: S608
            instance,
        ).fetchone()
        for table, found in rows.items():
            if not found:
                continue
            marks = ", ".join("?" * (len(found[0]) + 1))
            db.executemany(
                f"INSERT INTO {table} (instance_id, {COLUMNS[table]}) VALUES ({marks})",  # noqa: S608
                [(pk, *row) for row in found],
            )
        db.execute("COMMIT")
    return (time.perf_counter() - began) / times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=2000)
    args = parser.parse_args(argv)

    path = Path(tempfile.mkdtemp(prefix="bpm-floor-")) / "floor.sqlite3"
    migrate(f"sqlite:///{path}")
    setup_django(f"sqlite:///{path}", path.parent)
    from engine.runtime import InstanceState, StartInstance, handle
    from engine.services import deploy, start_instance
    from engine.store.graphs import graph_of

    definition = deploy(MODEL.read_text())
    start_instance(definition=definition, variables={"n": 1})

    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        db.execute(f"PRAGMA {pragma}")
    # The rows of the instance just started: read back, written again as they are.
    instance = db.execute(f"SELECT {INSTANCE_COLUMNS} FROM engine_processinstance").fetchone()  # noqa: S608
    rows = {
        table: db.execute(f"SELECT {columns} FROM {table}").fetchall()  # noqa: S608
        for table, columns in COLUMNS.items()
    }
    # What the data-model changes named in docs/BENCHMARKS.md would leave to write (the same
    # statements, fewer rows): token rows derived from the event log instead of stored, and on
    # top of that one event per step (the instance's start and end, one per node).
    one_per_step = [row for row in rows["engine_event"] if row[1] in ONE_PER_STEP]
    variants = {
        "as stored now": rows,
        "without token rows": {**rows, "engine_token": []},
        "without token rows, one event per step": {**rows, "engine_token": [], "engine_event": one_per_step},
    }
    writes = {name: time_writes(db, instance, found, args.instances) for name, found in variants.items()}

    graph = graph_of(definition)
    began = time.perf_counter()
    for n in range(args.instances):
        handle(graph, InstanceState(), StartInstance({"n": n}, None))
    kernel = (time.perf_counter() - began) / args.instances

    lines = []
    for name, found in variants.items():
        counts = ", ".join(
            f"{len(written)} {table.removeprefix('engine_')}" for table, written in found.items()
        )
        lines.append((f"raw sqlite3, {name}: instance row, {counts}, commit", writes[name]))
        if name == "as stored now":
            lines.append(("kernel alone (start command in memory)", kernel))
        lines.append((f"sum with the kernel, {name}", writes[name] + kernel))
    print(f"\n## The floor of one straight-through start on SQLite ({args.instances} times each)\n")
    print(
        markdown_table(
            ("what", "per instance", "instances/s"),
            [(what, f"{seconds * 1000:.3f} ms", f"{1 / seconds:.0f}") for what, seconds in lines],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
