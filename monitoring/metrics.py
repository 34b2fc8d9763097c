"""Prometheus exposition (text format 0.0.4), written by hand: a dozen lines need no library.

Counters come from the engine tables themselves (rows only ever grow), so they survive
restarts and agree between web processes; gauges are current counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items()) + "}"


def _family(
    name: str, kind: str, help_text: str, samples: Iterable[tuple[str, dict[str, str], float]]
) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    lines += [f"{sample}{_labels(labels)} {value:g}" for sample, labels, value in samples]
    return lines


def render(snapshot: dict[str, Any]) -> str:
    started: dict[str, int] = {}
    by_status: dict[tuple[str, str], int] = {}
    for row in snapshot["instances"]:
        key = row["definition__key"]
        started[key] = started.get(key, 0) + row["n"]
        by_status[key, row["status"]] = by_status.get((key, row["status"]), 0) + row["n"]
    ended = [(key, status, n) for (key, status), n in sorted(by_status.items()) if status != "running"]
    latency = snapshot["job_latency"]
    lines: list[str] = []
    lines += _family(
        "bpm_instances_started_total",
        "counter",
        "Process instances started.",
        (("bpm_instances_started_total", {"process": key}, n) for key, n in sorted(started.items())),
    )
    lines += _family(
        "bpm_instances_ended_total",
        "counter",
        "Process instances ended, by how (completed, cancelled_or_terminated).",
        (("bpm_instances_ended_total", {"process": key, "status": status}, n) for key, status, n in ended),
    )
    lines += _family(
        "bpm_instances_running",
        "gauge",
        "Process instances running now.",
        (
            ("bpm_instances_running", {"process": key}, n)
            for (key, status), n in sorted(by_status.items())
            if status == "running"
        ),
    )
    lines += _family(
        "bpm_instances_failed",
        "gauge",
        "Running instances stopped by at least one open incident.",
        [("bpm_instances_failed", {}, snapshot["open_incidents"]["instances"])],
    )
    lines += _family(
        "bpm_incidents_open",
        "gauge",
        "Incidents not yet resolved.",
        [("bpm_incidents_open", {}, snapshot["open_incidents"]["incidents"])],
    )
    lines += _family(
        "bpm_incidents_total",
        "counter",
        "Incidents ever raised.",
        [("bpm_incidents_total", {}, snapshot["incidents_total"])],
    )
    lines += _family(
        "bpm_jobs",
        "gauge",
        "Service task jobs by status.",
        (("bpm_jobs", {"status": status}, n) for status, n in sorted(snapshot["jobs"].items())),
    )
    lines += _family(
        "bpm_job_queue_depth",
        "gauge",
        "Pending jobs that are due now.",
        [("bpm_job_queue_depth", {}, snapshot["queue_depth"])],
    )
    buckets = [("bpm_job_latency_seconds_bucket", {"le": f"{bound:g}"}, n) for bound, n in latency["buckets"]]
    buckets.append(("bpm_job_latency_seconds_bucket", {"le": "+Inf"}, latency["count"]))
    buckets.append(("bpm_job_latency_seconds_sum", {}, latency["sum_seconds"]))
    buckets.append(("bpm_job_latency_seconds_count", {}, latency["count"]))
    lines += _family(
        "bpm_job_latency_seconds", "histogram", "Time from a job's creation to its completion.", buckets
    )
    return "\n".join(lines) + "\n"
