"""Run bench/straight_through.bpmn N times in memory with SpiffWorkflow and print JSON.

    .venv-bench/bin/python bench/spiff_runner.py --instances 2000

Executed by the benchmark environment's interpreter (`make bench-env`), never by the product's:
SpiffWorkflow is the yardstick of bench/straight_through.py, not a dependency. The model is
parsed once; each instance is a new BpmnWorkflow on that spec with the start variable n, run
by do_engine_steps() to the end, nothing persisted. Every instance is checked (completed, ended
at "end", variables right), so a fast wrong run cannot pass for a fast one.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile

DEFAULT_MODEL = Path(__file__).with_name("straight_through.bpmn")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50, help="untimed instances run first")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--process", default="straight_through", help="the BPMN process id")
    return parser.parse_args(argv)


def expected_variables(n: int) -> dict[str, int]:
    """What an instance started with n must end with (see the comment in straight_through.bpmn)."""
    return {"n": n, "doubled": 2 * n, "left": 2 * n + 1, "right": 6 * n}


def main(argv: list[str] | None = None) -> int:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.util.task import TaskState

    args = parse_args(argv)
    parser = BpmnParser()
    parser.add_bpmn_file(str(args.model))
    spec = parser.get_spec(args.process)

    def run(n: int) -> BpmnWorkflow:
        workflow = BpmnWorkflow(spec)
        workflow.get_tasks(state=TaskState.READY)[0].data["n"] = n
        workflow.do_engine_steps()
        return workflow

    for n in range(args.warmup):
        run(n)
    durations, wrong = [], []
    began = time.perf_counter()
    for n in range(args.instances):
        started = time.perf_counter()
        workflow = run(n)
        durations.append(time.perf_counter() - started)
        completed = {task.task_spec.name for task in workflow.get_tasks(state=TaskState.COMPLETED)}
        if (
            not workflow.is_completed()
            or "end" not in completed
            or "rejected" in completed
            or workflow.data != expected_variables(n)
        ):
            wrong.append(n)
    elapsed = time.perf_counter() - began
    durations.sort()
    print(
        json.dumps(
            {
                "engine": f"SpiffWorkflow {version('SpiffWorkflow')}",
                "instances": args.instances,
                "completed_correctly": args.instances - len(wrong),
                "wrong": wrong[:10],
                "seconds": elapsed,
                "instances_per_second": args.instances / elapsed,
                "p50_ms": percentile(durations, 0.50) * 1000,
                "p99_ms": percentile(durations, 0.99) * 1000,
                # ru_maxrss is in KiB on Linux.
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
