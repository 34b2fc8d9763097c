"""Asynchronous throughput: instances with one no-op service task, completed by real `bpm worker` processes.

    .venv/bin/python bench/async_throughput.py --instances 5000 --workers 1 2 4 --queue django-q redis threads
    .venv/bin/python bench/async_throughput.py --instances 5000 --rate 250   # latency at a steady rate

For every combination of --queue and --workers, on its own PostgreSQL database (--database,
else postgres://postgres@127.0.0.1:5432/bpm_async, dropped, recreated and migrated for each
combination), it starts that many real `bpm worker` processes, waits until they run, then
starts --instances instances of `start -> service task (noop handler) -> end` through
engine.services.start_instance from --starters threads (all at once, or paced at --rate
instances/s), and waits until every instance ended. Queues:

- django-q: django-q2 with its ORM broker on the same PostgreSQL database;
- redis: django-q2 with Redis (--redis-url, a queue name of its own, removed afterwards);
- threads: no django-q2, the workers poll the job table.

Reported per combination (a Markdown table): instances completed correctly (completed, one
completed job, no incident), instances started per second (when that is no higher than
completed/s, the starters were the bottleneck, not the workers), completed instances/s
(instances / (last ended_at - first started_at)), p50/p99 start-to-end latency (ended_at -
started_at of each instance), and the peak RSS of the largest worker (VmHWM summed over its
process tree). Exits 1 when an instance is not completed correctly. The target (at least 250
completed/s with p99 under 500 ms on PostgreSQL) is reported, not enforced: measure it on an
idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO,
    WorkerProcess,
    markdown_table,
    percentile,
    prepare_database,
    setup_django,
    tree_memory_kib,
    wait_until,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_async"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
QUEUES = ("django-q", "redis", "threads")
TARGET_PER_SECOND = 250
TARGET_P99_MS = 500


def add_common_arguments(parser: argparse.ArgumentParser, *, default_url: str) -> None:
    """Options shared with bench/memory.py."""
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {default_url})"
    )
    parser.add_argument("--concurrency", type=int, default=2, help="jobs one worker runs at once")
    parser.add_argument("--starters", type=int, default=2, help="threads starting instances")
    parser.add_argument("--rate", type=float, default=0, help="start this many instances/s (0: all at once)")
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL, help="Redis for --queue redis")
    parser.add_argument(
        "--timeout", type=float, default=600, help="give up waiting for completion after this"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_common_arguments(parser, default_url=DEFAULT_URL)
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="worker processes, e.g. 1 2 4")
    parser.add_argument("--queue", choices=QUEUES, nargs="+", default=["django-q"])
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    # Internal: run one (queue, workers) combination in this process and print JSON; Django's
    # settings (the queue, the broker) are fixed per process.
    parser.add_argument("--run-combination", nargs=2, metavar=("QUEUE", "WORKERS"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace, default: str) -> str:
    url = args.database or os.environ.get("DATABASE_URL") or default
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"this benchmark runs on PostgreSQL; got {url}")
    return url


def configure_queue(queue: str, redis_url: str) -> str:
    """Set this process's (and so its workers') queue settings; return the `bpm worker --queue`."""
    os.environ["BPM_JOB_QUEUE"] = "threads" if queue == "threads" else "django-q"
    os.environ["BPM_REDIS_URL"] = redis_url if queue == "redis" else ""
    # Its own django-q2 queue name: a Redis shared with other installations never mixes messages.
    os.environ["BPM_Q_NAME"] = f"bench-{os.getpid()}"
    return os.environ["BPM_JOB_QUEUE"]


def start_workers(
    url: str, *, queue: str, count: int, concurrency: int, data_dir: Path
) -> list[WorkerProcess]:
    workers = [
        WorkerProcess(url=url, queue=queue, concurrency=concurrency, lock_seconds=30, data_dir=data_dir)
        for _ in range(count)
    ]
    for worker in workers:
        worker.start()
    # Start instances only when the workers run, so the numbers measure work, not start-up.
    if not wait_until(lambda: all(worker.ready() for worker in workers), 120):
        for worker in workers:
            worker.kill()
        raise SystemExit(f"the workers did not start; see the logs in {data_dir}")
    return workers


def start_instances(definition: Any, ns: Sequence[int], *, starters: int, rate: float) -> list[int]:
    """start_instance for each n from `starters` threads, paced at `rate` per second if given."""
    from django.db import connection

    from engine.services import start_instance

    ids: list[int] = []
    lock = threading.Lock()
    began = time.monotonic()

    def starter(offset: int) -> None:
        try:
            for index in range(offset, len(ns), starters):
                if rate:
                    time.sleep(max(0.0, began + index / rate - time.monotonic()))
                pk = start_instance(definition=definition, variables={"n": ns[index]}).pk
                with lock:
                    ids.append(pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=starter, args=(offset,)) for offset in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(ids) != len(ns):
        raise SystemExit(f"only {len(ids)} of {len(ns)} instances started; see the errors above")
    return ids


def wait_for_completion(definition: Any, timeout: float) -> bool:
    from engine.store.models import ProcessInstance

    running = ProcessInstance.objects.filter(definition=definition, status="running")
    return wait_until(lambda: not running.exists(), timeout, poll=0.2)


def check_instances(ids: Sequence[int]) -> list[int]:
    """Instances not completed correctly: not completed, not exactly one completed job, or an incident."""
    from django.db.models import Count, Q

    from engine.store.models import ProcessInstance

    rows = [
        row
        for chunk in _chunks(ids)
        for row in ProcessInstance.objects.filter(pk__in=chunk)
        .annotate(
            done_jobs=Count("jobs", filter=Q(jobs__status="completed"), distinct=True),
            incident_count=Count("incidents", distinct=True),
        )
        .values_list("pk", "status", "done_jobs", "incident_count")
    ]
    good = {
        pk for pk, status, jobs, incidents in rows if status == "completed" and jobs == 1 and not incidents
    }
    return sorted(set(ids) - good)


def _chunks(ids: Sequence[int], size: int = 10_000) -> list[Sequence[int]]:
    """`ids` in slices: with server-side binding a statement takes at most 65,535 parameters."""
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def latencies(ids: Sequence[int]) -> tuple[list[float], float]:
    """(sorted start-to-end latencies in ms, completed instances per second) of the ended instances."""
    from engine.store.models import ProcessInstance

    rows = [
        row
        for chunk in _chunks(ids)
        for row in ProcessInstance.objects.filter(pk__in=chunk, ended_at__isnull=False).values_list(
            "started_at", "ended_at"
        )
    ]
    if not rows:
        return [], 0.0
    spans = sorted((ended - started).total_seconds() * 1000 for started, ended in rows)
    window = (max(e for _, e in rows) - min(s for s, _ in rows)).total_seconds()
    return spans, len(rows) / max(window, 1e-9)


def drop_redis_queue(redis_url: str) -> None:
    """Remove the keys of this run's django-q2 queue from Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"*{os.environ['BPM_Q_NAME']}*"):
        client.delete(key)


def _meets_target(result: dict[str, Any]) -> bool:
    return (
        result["completed_per_second"] >= TARGET_PER_SECOND
        and result["p99_ms"] is not None
        and result["p99_ms"] < TARGET_P99_MS
    )


def run_combination(args: argparse.Namespace, queue: str, worker_count: int) -> dict[str, Any]:
    url = database_url(args, DEFAULT_URL)
    worker_queue = configure_queue(queue, args.redis_url)
    data_dir = Path(tempfile.mkdtemp(prefix="bpm-async-"))
    prepare_database(url)
    setup_django(url, data_dir)
    from django.db import connection

    from bench.models import noop_model
    from engine.services import deploy

    workers = start_workers(
        url, queue=worker_queue, count=worker_count, concurrency=args.concurrency, data_dir=data_dir
    )
    try:
        definition = deploy(noop_model())
        began = time.monotonic()
        ids = start_instances(definition, range(args.instances), starters=args.starters, rate=args.rate)
        started_in = time.monotonic() - began
        finished = wait_for_completion(definition, args.timeout)
        peak_kib = max(tree_memory_kib(worker.process.pid)[0] for worker in workers if worker.process)
    finally:
        connection.close()
        for worker in workers:
            worker.stop()
        if queue == "redis":
            drop_redis_queue(args.redis_url)
    wrong = check_instances(ids)
    spans, per_second = latencies(ids)
    return {
        "queue": queue,
        "workers": worker_count,
        "instances": args.instances,
        "finished_in_time": finished,
        "completed_correctly": args.instances - len(wrong),
        "wrong": wrong[:10],
        # When starting is slower than completing, completed/s measures the starters, not the workers.
        "started_per_second": args.instances / started_in,
        "completed_per_second": per_second,
        "p50_ms": percentile(spans, 0.50) if spans else None,
        "p99_ms": percentile(spans, 0.99) if spans else None,
        "worker_peak_rss_kib": peak_kib,
        "logs": str(data_dir),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.run_combination:
        queue, workers = args.run_combination
        print(json.dumps(run_combination(args, queue, int(workers))))
        return 0

    passed = list(argv if argv is not None else sys.argv[1:])
    results = []
    for queue in args.queue:
        for workers in args.workers:
            result = subprocess.run(  # noqa: S603 - our own interpreter and script, argv list
                [sys.executable, __file__, *passed, "--run-combination", queue, str(workers)],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            lines = result.stdout.strip().splitlines()
            if not lines or not lines[-1].startswith("{"):
                raise SystemExit(f"{queue} with {workers} workers failed:\n{result.stderr[-3000:]}")
            results.append(json.loads(lines[-1]))

    pace = f"started at {args.rate:g}/s" if args.rate else "started all at once"
    print(
        f"\n## Asynchronous throughput: {args.instances} instances (start -> noop service task -> end), "
        f"{pace} from {args.starters} threads, PostgreSQL, {args.concurrency} jobs per worker\n"
    )
    rows = [
        (
            r["queue"],
            r["workers"],
            f"{r['completed_correctly']} / {r['instances']}",
            f"{r['started_per_second']:.0f}",
            f"{r['completed_per_second']:.0f}",
            f"{r['p50_ms']:.0f} ms" if r["p50_ms"] is not None else "-",
            f"{r['p99_ms']:.0f} ms" if r["p99_ms"] is not None else "-",
            f"{r['worker_peak_rss_kib'] / 1024:.0f} MiB",
        )
        for r in results
    ]
    print(
        markdown_table(
            (
                "queue",
                "workers",
                "completed correctly",
                "started/s",
                "completed/s",
                "p50 start-to-end",
                "p99",
                "worker peak RSS",
            ),
            rows,
        )
    )
    # A combination meets the target when it reaches both figures at once; shown is the fastest
    # one that does, or else the fastest one.
    meeting = [r for r in results if _meets_target(r)]
    best = max(meeting or results, key=lambda r: r["completed_per_second"])
    met = bool(meeting)
    print(
        f"\ntarget: >= {TARGET_PER_SECOND} completed/s with p99 < {TARGET_P99_MS} ms: "
        f"{'met by' if met else 'best'} "
        f"{best['completed_per_second']:.0f}/s, p99 {best['p99_ms'] or 0:.0f} ms "
        f"({best['queue']}, {best['workers']} worker{'s' if best['workers'] != 1 else ''}): "
        f"{'met' if met else 'NOT met'}"
    )
    failed = [r for r in results if r["completed_correctly"] != r["instances"]]
    for r in failed:
        print(
            f"\nFAIL {r['queue']} with {r['workers']} workers: wrong instances {r['wrong']}; "
            f"logs in {r['logs']}"
        )
    if args.json:
        print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
