"""Timer lateness: arm many timers through the services, let real workers fire them, measure.

    .venv/bin/python bench/timer_lateness.py --timers 300 --workers 2

On its own PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bpm_timers,
dropped, recreated and migrated), it deploys five models `start -> timer PT{1..5}S -> end`,
starts --timers instances spread over them, runs real `bpm worker` processes and, once every
timer fired, prints lateness (last_fired_at - due_at) percentiles, early fires and double
fires as a Markdown table. Exits 1 on any early or double fire, or when timers are left unfired.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WorkerProcess, markdown_table, prepare_database, setup_django, wait_until

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_timers"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--timers", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queue", choices=("threads", "django-q"), default="threads")
    parser.add_argument(
        "--timeout", type=float, default=120, help="give up waiting for the timers after this"
    )
    return parser.parse_args(argv)


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the timer benchmark runs on PostgreSQL; got {url}")
    data_dir = Path(tempfile.mkdtemp(prefix="bpm-timers-"))
    prepare_database(url)
    setup_django(url, data_dir)
    from django.db import connection

    from bench.models import timer_model
    from engine.services import deploy, start_instance
    from engine.store.models import Timer

    workers = [
        WorkerProcess(url=url, queue=args.queue, concurrency=2, lock_seconds=30, data_dir=data_dir)
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.start()
    # Arm the timers only when the workers run, so lateness measures firing, not start-up.
    if not wait_until(lambda: all(worker.ready() for worker in workers), 60):
        raise SystemExit(f"the workers did not start; see the logs in {data_dir}")

    definitions = [deploy(timer_model(seconds)) for seconds in range(1, 6)]
    began = time.monotonic()
    for i in range(args.timers):
        start_instance(definition=definitions[i % len(definitions)])
    armed_in = time.monotonic() - began
    try:
        fired = wait_until(lambda: not Timer.objects.filter(status="armed").exists(), args.timeout, poll=0.5)
    finally:
        connection.close()
        for worker in workers:
            worker.stop()

    rows = list(Timer.objects.values_list("due_at", "last_fired_at", "fired_count", "status"))
    lateness = sorted(
        (last - due).total_seconds() * 1000
        for due, last, _, _ in rows
        if last is not None and due is not None
    )
    early = sum(1 for value in lateness if value < 0)
    double = sum(1 for _, _, count, _ in rows if count > 1)
    unfired = sum(1 for _, _, _, status in rows if status != "fired")
    print(f"\n## Timer lateness: {args.timers} timers (PT1S..PT5S), {args.workers} workers ({args.queue})\n")
    table = [
        ("timers armed / fired", f"{len(rows)} / {len(rows) - unfired}", "ok" if not unfired else "FAIL"),
        ("lateness p50", f"{percentile(lateness, 0.50):.0f} ms" if lateness else "-", ""),
        ("lateness p99", f"{percentile(lateness, 0.99):.0f} ms" if lateness else "-", ""),
        ("lateness max", f"{lateness[-1]:.0f} ms" if lateness else "-", ""),
        ("lateness mean", f"{statistics.fmean(lateness):.0f} ms" if lateness else "-", ""),
        ("early fires", early, "ok" if not early else "FAIL"),
        ("double fires", double, "ok" if not double else "FAIL"),
        ("instances armed in", f"{armed_in:.1f} s", ""),
    ]
    print(markdown_table(("measure", "value", "verdict"), table))
    print(f"\nworker logs: {data_dir}")
    return 0 if fired and not unfired and not early and not double else 1


if __name__ == "__main__":
    sys.exit(main())
