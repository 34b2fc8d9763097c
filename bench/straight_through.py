"""Straight-through execution: bpmportal, full history on SQLite/PostgreSQL, vs SpiffWorkflow in memory.

    make bench-env          # once: .venv-bench with SpiffWorkflow (never a dependency of the product)
    .venv/bin/python bench/straight_through.py --instances 2000

One BPMN file, bench/straight_through.bpmn (start, script task, exclusive gateway, parallel
split into two script tasks, join, end), runs --instances times in each engine:

- bpmportal, in-process through engine.services (deploy once, then start_instance per
  instance, which runs the instance to its end synchronously and commits its full event
  history, tokens and snapshot), on a temporary SQLite file and on PostgreSQL (its own
  database, --database, else postgres://postgres@127.0.0.1:5432/bpm_straight, dropped,
  recreated and migrated);
- SpiffWorkflow in memory (bench/spiff_runner.py, run by .venv-bench/bin/python; skipped with
  a note when that environment is missing).

Each engine runs in its own process (so peak RSS is its own) after --warmup untimed
instances. Every instance is checked: completed at "end", variables right; for bpmportal also
the stored history of a sample (engine.store.verify: hash chain, replay equals the snapshot).
Prints a Markdown table (instances/s, p50/p99 per instance, peak RSS, ratio vs SpiffWorkflow)
and exits 1 when any check fails. The target (bpmportal on SQLite at least 2x SpiffWorkflow)
is reported, not enforced: measure it on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, markdown_table, migrate, percentile, prepare_database, setup_django
from bench.spiff_runner import expected_variables

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bpm_straight"
MODEL = Path(__file__).with_name("straight_through.bpmn")
SPIFF_PYTHON = REPO / ".venv-bench" / "bin" / "python"
#: Instances whose stored history is replayed and hash-checked after the timed run.
VERIFIED_SAMPLE = 25
TARGET_RATIO = 2.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database", default=None, help=f"PostgreSQL URL (default: $DATABASE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50, help="untimed instances run first in each engine")
    parser.add_argument(
        "--only",
        choices=("sqlite", "postgres", "spiff"),
        action="append",
        help="run only these (repeatable); default: all three",
    )
    parser.add_argument("--spiff-python", type=Path, default=SPIFF_PYTHON, help="the benchmark interpreter")
    parser.add_argument(
        "--model",
        type=Path,
        default=MODEL,
        help="a variant of the model (the checks expect the original's results)",
    )
    parser.add_argument("--json", action="store_true", help="also print the results as one JSON line")
    # Internal: run bpmportal on this database URL in this process and print JSON (one engine
    # per process, so that each one's peak RSS is its own).
    parser.add_argument("--run-engine", metavar="URL", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_engine(
    url: str, *, instances: int, warmup: int, first_n: int = 0, model: Path = MODEL
) -> dict[str, Any]:
    """Time start_instance of the model `instances` times (after `warmup`) on the configured database.

    Django must be set up. The n of the timed instances are first_n, first_n + 1, ...
    Returns the measurements and the outcome of the correctness checks.
    """
    from engine.services import deploy, start_instance
    from engine.store.models import Event, ProcessInstance, Token
    from engine.store.verify import verify_instance

    definition = deploy(model.read_text())
    for n in range(warmup):
        start_instance(definition=definition, variables={"n": n})
    durations, ids = [], []
    began = time.perf_counter()
    for n in range(first_n, first_n + instances):
        started = time.perf_counter()
        ids.append(start_instance(definition=definition, variables={"n": n}).pk)
        durations.append(time.perf_counter() - started)
    elapsed = time.perf_counter() - began
    durations.sort()

    # Checked afterwards, from the database: what a reader of the history would see.
    rows = ProcessInstance.objects.filter(pk__in=ids).values_list("pk", "status", "variables")
    wrong = [pk for pk, status, variables in rows if status != "completed" or not _variables_right(variables)]
    wrong += [pk for pk in set(ids) - {pk for pk, _, _ in rows}]
    ended_at_end = set(
        Token.objects.filter(instance_id__in=ids, node_id="end", status="completed").values_list(
            "instance_id", flat=True
        )
    )
    wrong += [pk for pk in ids if pk not in ended_at_end and pk not in wrong]
    step = max(1, len(ids) // VERIFIED_SAMPLE)
    broken = {pk: problems for pk in ids[::step] if (problems := verify_instance(pk))}
    events = Event.objects.filter(instance_id__in=ids).count()
    return {
        "engine": f"bpmportal, {'PostgreSQL' if url.startswith('postgres') else 'SQLite'}",
        "instances": instances,
        "completed_correctly": instances - len(wrong),
        "wrong": sorted(wrong)[:10],
        "history_verified": len(ids[::step]),
        "history_broken": {str(pk): problems[:3] for pk, problems in list(broken.items())[:3]},
        "events_per_instance": events / max(1, instances),
        "seconds": elapsed,
        "instances_per_second": instances / elapsed,
        "p50_ms": percentile(durations, 0.50) * 1000,
        "p99_ms": percentile(durations, 0.99) * 1000,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def _variables_right(variables: dict[str, Any]) -> bool:
    return isinstance(variables.get("n"), int) and variables == expected_variables(variables["n"])


def _child(argv: list[str], *, python: Path | str = sys.executable) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and scripts, argv list
        [str(python), *argv], cwd=REPO, capture_output=True, text=True, check=False
    )
    lines = result.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        raise SystemExit(f"{' '.join(argv[:2])} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    return json.loads(lines[-1])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.run_engine:
        setup_django(args.run_engine, Path(tempfile.mkdtemp(prefix="bpm-straight-")))
        result = run_engine(args.run_engine, instances=args.instances, warmup=args.warmup, model=args.model)
        print(json.dumps(result))
        return 0

    chosen = args.only or ["sqlite", "postgres", "spiff"]
    timing = ["--instances", str(args.instances), "--warmup", str(args.warmup), "--model", str(args.model)]
    results, notes = [], []
    if "sqlite" in chosen:
        sqlite_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='bpm-straight-')) / 'bench.sqlite3'}"
        migrate(sqlite_url)
        results.append(_child([__file__, "--run-engine", sqlite_url, *timing]))
    if "postgres" in chosen:
        url = args.database or os.environ.get("DATABASE_URL") or DEFAULT_URL
        if not url.startswith(("postgres://", "postgresql://")):
            raise SystemExit(f"--database must be a PostgreSQL URL; got {url}")
        prepare_database(url)
        results.append(_child([__file__, "--run-engine", url, *timing]))
    spiff = None
    if "spiff" in chosen:
        if args.spiff_python.exists():
            spiff = _child([str(REPO / "bench" / "spiff_runner.py"), *timing], python=args.spiff_python)
            results.append(spiff)
        else:
            notes.append(
                f"SpiffWorkflow skipped: {args.spiff_python} does not exist (create it with `make bench-env`)"
            )

    print(f"\n## Straight-through execution: {args.instances} instances of {args.model.name}\n")
    rows = [
        (
            result["engine"],
            f"{result['completed_correctly']} / {result['instances']}",
            f"{result['instances_per_second']:.0f}",
            f"{result['p50_ms']:.2f} ms",
            f"{result['p99_ms']:.2f} ms",
            f"{result['peak_rss_kib'] / 1024:.0f} MiB",
            f"{result['instances_per_second'] / spiff['instances_per_second']:.2f}x" if spiff else "-",
        )
        for result in results
    ]
    print(
        markdown_table(
            ("engine", "completed correctly", "instances/s", "p50", "p99", "peak RSS", "vs SpiffWorkflow"),
            rows,
        )
    )
    for result in results:
        if "history_verified" in result:
            print(
                f"\n{result['engine']}: {result['events_per_instance']:.0f} events per instance persisted; "
                f"stored history of {result['history_verified']} instances verified, "
                f"{len(result['history_broken'])} broken"
            )
    sqlite = next((r for r in results if r["engine"].endswith("SQLite")), None)
    if sqlite and spiff:
        ratio = sqlite["instances_per_second"] / spiff["instances_per_second"]
        verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(
            f"\ntarget: bpmportal on SQLite >= {TARGET_RATIO:.0f}x SpiffWorkflow in memory: "
            f"{ratio:.2f}x, {verdict}"
        )
    for note in notes:
        print(f"\n{note}")
    failed = [r for r in results if r["completed_correctly"] != r["instances"] or r.get("history_broken")]
    for result in failed:
        print(
            f"\nFAIL {result['engine']}: wrong instances {result['wrong']} {result.get('history_broken', '')}"
        )
    if args.json:
        print(json.dumps(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
