"""Crash harness: many instances, several real workers, SIGKILL a random one every few hundred ms.

    .venv/bin/python bench/crash_harness.py --instances 500 --workers 3 --kill-every 0.3

On its own PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bpm_crash,
dropped, recreated and migrated), it deploys a model mixing CLI and noop service tasks, a PT1S
timer, a parallel fork/join and an inclusive split/merge (bench/models.py), starts N instances
through engine.services and runs real `bpm worker` processes while killing one (its whole
process group) at random intervals around --kill-every and restarting it. Killing stops after
--kill-seconds or when every instance is done; then it waits (at most --timeout) for the rest.

Afterwards it checks the invariants and prints them as a Markdown table; it exits 1 when any
fails (and prints the offending instances' events), 0 otherwise.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WorkerProcess, markdown_table, prepare_database, setup_django, wait_until

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_crash"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--instances", type=int, default=500)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2, help="jobs per worker process")
    parser.add_argument("--queue", choices=("threads", "django-q"), default="threads")
    parser.add_argument("--kill-every", type=float, default=0.3, help="mean seconds between kills")
    parser.add_argument("--kill-seconds", type=float, default=60, help="stop killing after this long")
    parser.add_argument("--max-kills", type=int, default=None, help="stop killing after this many kills")
    parser.add_argument("--lock-seconds", type=int, default=3, help="BPM_WORKER_LOCK_SECONDS of the workers")
    parser.add_argument(
        "--timeout", type=float, default=240, help="give up waiting for completion after this"
    )
    parser.add_argument("--seed", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the crash harness runs on PostgreSQL; got {url}")
    rng = random.Random(args.seed)  # noqa: S311 - picks kill victims and intervals, not secrets
    data_dir = Path(tempfile.mkdtemp(prefix="bpm-crash-"))

    prepare_database(url)
    setup_django(url, data_dir)
    from django.db import connection

    from bench.models import crash_model
    from engine.services import deploy, start_instance

    began = time.monotonic()
    definition = deploy(crash_model())
    instance_ids = [
        start_instance(definition=definition, variables={"n": i}).pk for i in range(args.instances)
    ]
    started_in = time.monotonic() - began
    connection.close()

    workers = [
        WorkerProcess(
            url=url,
            queue=args.queue,
            concurrency=args.concurrency,
            lock_seconds=args.lock_seconds,
            data_dir=data_dir,
        )
        for _ in range(args.workers)
    ]
    for worker in workers:
        worker.start()

    kills, last_kill_at = 0, None
    run_began = time.monotonic()
    try:
        while time.monotonic() - run_began < args.kill_seconds and (
            args.max_kills is None or kills < args.max_kills
        ):
            time.sleep(rng.uniform(0.5, 1.5) * args.kill_every)
            # Only a worker that got through its start-up (about a second) can be doing work;
            # killing one still starting would only test that start-up is restartable.
            ready = [worker for worker in workers if worker.ready()]
            if not ready:
                continue
            victim = rng.choice(ready)
            victim.kill()
            kills += 1
            last_kill_at = time.monotonic()
            victim.start()
            if kills % 10 == 0 and all_done(instance_ids):
                break
        finished = wait_until(lambda: all_done(instance_ids), args.timeout, poll=0.5)
        done_at = time.monotonic()
    finally:
        for worker in workers:
            worker.stop()
    wall = done_at - began
    if not finished:
        after_last_kill = "not all done"
    elif last_kill_at is None:
        after_last_kill = "no kills"
    else:
        after_last_kill = f"{done_at - last_kill_at:.1f} s"

    checks = check_invariants(instance_ids)
    print(
        f"\n## Crash harness: {args.instances} instances, {args.workers} workers ({args.queue}), "
        f"kill every ~{args.kill_every} s, lock {args.lock_seconds} s\n"
    )
    rows = [(name, value, "ok" if ok else "FAIL") for name, value, ok, _ in checks]
    rows += [
        ("workers SIGKILLed (and restarted)", kills, ""),
        ("jobs run more than once (an attempt lost to a kill)", retried_jobs(instance_ids), ""),
        ("instances started in", f"{started_in:.1f} s", ""),
        ("wall time (first instance started to end of the wait)", f"{wall:.1f} s", ""),
        ("time from last kill until every instance was done", after_last_kill, ""),
    ]
    if not finished:
        rows.append(("finished within --timeout", f"no ({args.timeout:.0f} s)", "FAIL"))
    print(markdown_table(("check", "value", "verdict"), rows))
    failed = [(name, details) for name, _, ok, details in checks if not ok]
    for name, details in failed:
        print(f"\n### {name}\n")
        for line in details[:20]:
            print(f"- {line}")
    if failed:
        print_events_of_failures(failed)
    print(f"\nworker logs: {data_dir}")
    return 0 if finished and not failed else 1


def retried_jobs(instance_ids: list[int]) -> str:
    from engine.store.models import Job

    jobs = Job.objects.filter(instance_id__in=instance_ids)
    return f"{jobs.filter(attempts__gt=1).count()} of {jobs.count()}"


def all_done(instance_ids: list[int]) -> bool:
    from engine.store.models import ProcessInstance

    return not ProcessInstance.objects.filter(pk__in=instance_ids, status="running").exists()


def check_invariants(instance_ids: list[int]) -> list[tuple[str, object, bool, list[str]]]:
    """(name, value shown, holds, details of what broke) for every invariant."""
    from django.db.models import Count, F, Max, Min

    from engine.store.models import (
        LIVE_TOKEN_STATUSES,
        Event,
        Incident,
        Job,
        JoinFiring,
        ProcessInstance,
        Timer,
        Token,
    )
    from engine.store.verify import verify_instance

    checks: list[tuple[str, object, bool, list[str]]] = []
    instances = ProcessInstance.objects.filter(pk__in=instance_ids)
    statuses = Counter(instances.values_list("status", flat=True))
    completed = statuses.get("completed", 0)
    checks.append(
        (
            "instances completed / started",
            f"{completed} / {len(instance_ids)} ({100 * completed / max(len(instance_ids), 1):.1f} %)",
            completed == len(instance_ids),
            [f"{status}: {count}" for status, count in statuses.items() if status != "completed"],
        )
    )

    lost = list(
        Token.objects.filter(
            instance__in=instances, instance__status="completed", status__in=LIVE_TOKEN_STATUSES
        ).values_list("instance_id", "token_id", "node_id", "status")
    )
    checks.append(
        (
            "tokens lost (live token in a completed instance)",
            len(lost),
            not lost,
            [f"instance {i} token {t} {s} at {n}" for i, t, n, s in lost],
        )
    )

    # A token is one visit of one node: it completes at most once. A job's result applied twice
    # would complete its token twice (or complete two jobs of one token).
    node_completed_twice = list(
        Event.objects.filter(instance__in=instances, type="node_completed")
        .values("instance_id", "token_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("instance_id", "token_id", "n")
    )
    jobs_completed_twice = list(
        Job.objects.filter(instance__in=instances, status="completed")
        .values("instance_id", "token_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("instance_id", "token_id", "n")
    )
    double_applied = node_completed_twice + jobs_completed_twice
    checks.append(
        (
            "job results applied twice",
            len(double_applied),
            not double_applied,
            [f"instance {i} token {t} completed {n} times" for i, t, n in double_applied],
        )
    )
    unfinished_jobs = Job.objects.filter(instance__in=instances).exclude(status="completed").count()
    incidents = Incident.objects.filter(instance__in=instances).count()
    checks.append(
        (
            "jobs not completed / incidents raised",
            f"{unfinished_jobs} / {incidents}",
            unfinished_jobs == 0 and incidents == 0,
            [],
        )
    )

    firing_rows_twice = list(
        JoinFiring.objects.filter(instance__in=instances)
        .values("instance_id", "scope", "gateway_id", "generation")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("instance_id", "gateway_id", "n")
    )
    # Each instance visits each join once, so JOIN_FIRED per (instance, join) must be exactly 1.
    fired_per_visit = Counter(
        Event.objects.filter(instance__in=instances, type="join_fired").values_list("instance_id", "node_id")
    )
    fired_twice = [(i, node, n) for (i, node), n in fired_per_visit.items() if n > 1]
    checks.append(
        (
            "joins fired more than once",
            len(firing_rows_twice) + len(fired_twice),
            not firing_rows_twice and not fired_twice,
            [f"instance {i} join {g}: {n} JoinFiring rows" for i, g, n in firing_rows_twice]
            + [f"instance {i} join {g}: {n} join_fired events" for i, g, n in fired_twice],
        )
    )
    # A completed instance fired its parallel join and its inclusive merge (at least one branch
    # is always taken); one that did not lost a token on the way.
    completed_ids = list(instances.filter(status="completed").values_list("pk", flat=True))
    not_fired = [
        (pk, node) for pk in completed_ids for node in ("join", "merge") if (pk, node) not in fired_per_visit
    ]
    checks.append(
        (
            "joins that never fired (in a completed instance)",
            len(not_fired),
            not not_fired,
            [f"instance {i} join {g} never fired" for i, g in not_fired],
        )
    )

    gaps = list(
        instances.annotate(n=Count("events"), low=Min("events__seq"), high=Max("events__seq"))
        .exclude(n=F("high"), low=1, last_seq=F("high"))
        .values_list("pk", "n", "low", "high", "last_seq")
    )
    checks.append(
        (
            "event sequences with gaps",
            len(gaps),
            not gaps,
            [f"instance {i}: {n} events, seq {lo}..{hi}, last_seq {last}" for i, n, lo, hi, last in gaps],
        )
    )

    replay_problems = []
    for pk in instance_ids:
        problems = verify_instance(pk)
        if problems:
            replay_problems.append(f"instance {pk}: {'; '.join(problems)}")
    checks.append(
        (
            "instances whose replay differs from stored state (verify)",
            len(replay_problems),
            not replay_problems,
            replay_problems,
        )
    )

    timers = Timer.objects.filter(instance__in=instances)
    twice = list(timers.filter(fired_count__gt=1).values_list("instance_id", "node_id", "fired_count"))
    early = list(
        timers.filter(last_fired_at__lt=F("due_at")).values_list(
            "instance_id", "node_id", "due_at", "last_fired_at"
        )
    )
    unfired = timers.exclude(status="fired").count()
    checks.append(
        (
            "timers fired twice / early / not fired",
            f"{len(twice)} / {len(early)} / {unfired}",
            not twice and not early and unfired == 0,
            [f"instance {i} timer {n} fired {c} times" for i, n, c in twice]
            + [f"instance {i} timer {n} due {d} fired {f}" for i, n, d, f in early],
        )
    )
    return checks


def print_events_of_failures(failed: list[tuple[str, list[str]]]) -> None:
    """The full event log of up to 3 failing instances, so a violation can be diagnosed."""
    import re

    from engine.store.models import Event

    shown: set[int] = set()
    for _, details in failed:
        for line in details:
            match = re.match(r"instance (\d+)", line)
            if match and len(shown) < 3 and int(match.group(1)) not in shown:
                pk = int(match.group(1))
                shown.add(pk)
                print(f"\n### events of instance {pk}\n")
                for event in Event.objects.filter(instance_id=pk).order_by("seq"):
                    where = f"node={event.node_id} token={event.token_id}"
                    print(f"- {event.seq} {event.type} {where} {event.payload}")


if __name__ == "__main__":
    sys.exit(main())
