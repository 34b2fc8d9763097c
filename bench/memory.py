"""Memory over a long run: worker RSS at checkpoints, and database bytes per completed instance.

    .venv/bin/python bench/memory.py --checkpoints 10000 100000
    .venv/bin/python bench/memory.py --checkpoints 500 2000 --batch 250    # a quick run

On its own PostgreSQL database (--database, else postgres://postgres@127.0.0.1:5432/bpm_memory,
dropped, recreated and migrated) it runs --workers real `bpm worker` processes (--queue, as in
bench/async_throughput.py) and completes instances of `start -> noop service task -> end`,
started through engine.services in batches of --batch (each batch waits for the one before it
to complete, so no backlog builds up). Whenever the number of completed instances reaches a
checkpoint it samples every worker's process tree from /proc: current RSS (VmRSS) and peak
RSS (VmHWM), summed over the worker and its children (django-q2's cluster processes), read
ten times over two seconds so that a django-q2 worker process being replaced at that moment
does not count as memory given back (bench.common.tree_memory_kib).

Prints two Markdown tables: worker memory at each checkpoint with the growth against the
first one, and the size of the engine's tables (pg_total_relation_size: rows, indexes and
TOAST, including row versions left by updates until vacuum reuses them) grown during the run,
divided by the instances completed. Exits 1 when an instance is not completed correctly. The
target (worker peak RSS flat within 10% between 10k and 100k completed instances) is reported,
not enforced.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.async_throughput import (
    QUEUES,
    add_common_arguments,
    check_instances,
    configure_queue,
    database_url,
    drop_redis_queue,
    start_instances,
    start_workers,
    wait_for_completion,
)
from bench.common import markdown_table, prepare_database, setup_django, tree_memory_kib

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_memory"
TARGET_GROWTH = 0.10


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, default_url=DEFAULT_URL)
    parser.add_argument(
        "--checkpoints",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        help="completed instances to sample at",
    )
    parser.add_argument("--batch", type=int, default=1000, help="instances started per batch")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queue", choices=QUEUES, default="django-q")
    args = parser.parse_args(argv)
    if sorted(set(args.checkpoints)) != args.checkpoints or args.checkpoints[0] < 1:
        parser.error("--checkpoints must be positive and increasing")
    return args


def engine_table_bytes() -> dict[str, int]:
    """pg_total_relation_size of each table of the engine app."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class "
            "WHERE relkind = 'r' AND relname LIKE 'engine\\_%%'"
        )
        return dict(cursor.fetchall())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = database_url(args, DEFAULT_URL)
    worker_queue = configure_queue(args.queue, args.redis_url)
    data_dir = Path(tempfile.mkdtemp(prefix="bpm-memory-"))
    prepare_database(url)
    setup_django(url, data_dir)
    from django.db import connection

    from bench.models import noop_model
    from engine.services import deploy

    definition = deploy(noop_model())
    before = engine_table_bytes()
    workers = start_workers(
        url, queue=worker_queue, count=args.workers, concurrency=args.concurrency, data_dir=data_dir
    )
    # (completed, peak KiB, current KiB, processes), summed over the workers' process trees
    samples: list[tuple[int, int, int, int]] = []
    ids: list[int] = []
    finished = True
    try:
        for checkpoint in args.checkpoints:
            while finished and len(ids) < checkpoint:
                batch = range(len(ids), min(checkpoint, len(ids) + args.batch))
                ids += start_instances(definition, batch, starters=args.starters, rate=args.rate)
                finished = wait_for_completion(definition, args.timeout)
            if not finished:
                break
            memory = [tree_memory_kib(worker.process.pid) for worker in workers if worker.process]
            samples.append(
                (
                    len(ids),
                    sum(peak for peak, _, _ in memory),
                    sum(now for _, now, _ in memory),
                    sum(processes for _, _, processes in memory),
                )
            )
    finally:
        connection.close()
        for worker in workers:
            worker.stop()
        if args.queue == "redis":
            drop_redis_queue(args.redis_url)
    wrong = check_instances(ids)
    after = engine_table_bytes()
    completed = len(ids) - len(wrong)

    print(
        f"\n## Worker memory: {args.workers} worker(s), {args.queue}, start -> noop service task -> end, "
        f"PostgreSQL\n"
    )
    first_peak = samples[0][1] if samples else 0
    rows = [
        (
            f"{done:,}",
            f"{processes}",
            f"{now / 1024:.0f} MiB",
            f"{peak / 1024:.0f} MiB",
            f"{(peak - first_peak) / first_peak:+.1%}" if first_peak else "-",
        )
        for done, peak, now, processes in samples
    ]
    print(
        markdown_table(
            ("completed instances", "processes", "worker RSS", "worker peak RSS", "peak vs first"), rows
        )
    )
    if len(samples) >= 2:
        growth = (samples[-1][1] - first_peak) / first_peak
        verdict = "met" if growth <= TARGET_GROWTH else "NOT met"
        print(
            f"\ntarget: peak RSS flat within {TARGET_GROWTH:.0%} from first to last checkpoint: "
            f"{growth:+.1%}, {verdict}"
        )

    print(f"\n## Database size per completed instance (engine tables, {completed:,} instances)\n")
    grown = {table: after.get(table, 0) - before.get(table, 0) for table in after}
    largest = sorted(((size, table) for table, size in grown.items() if size > 0), reverse=True)
    table_rows = [(table, f"{size / max(completed, 1):,.0f} B") for size, table in largest[:6]]
    table_rows.append(("all engine tables", f"{sum(grown.values()) / max(completed, 1):,.0f} B"))
    print(markdown_table(("table", "bytes per completed instance"), table_rows))
    if not finished or wrong:
        print(
            f"\nFAIL: {len(wrong)} of {len(ids)} instances not completed correctly {wrong[:10]}; "
            f"logs in {data_dir}"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
