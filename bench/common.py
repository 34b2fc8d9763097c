"""Plumbing shared by the benchmarks: a PostgreSQL database of their own, Django, worker processes.

Each benchmark runs on a database it owns (dropped and recreated, then migrated), so a run
never touches the development or test data and always starts empty.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
#: Every process of one installation must share the key that signs django-q2 messages.
BENCH_SECRET_KEY = "bench-only-secret-key-not-for-production"


def prepare_database(url: str) -> None:
    """Drop and recreate the database named by `url`, then migrate it (`manage.py migrate`)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database '{name}': use a plain name such as bpm_crash")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    migrate(url)


def migrate(url: str) -> None:
    """`manage.py migrate` the database at `url` (PostgreSQL or sqlite:///path), in a subprocess."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=REPO,
        env=bench_environment(url, data_dir=None),
        check=True,
    )


def bench_environment(url: str, *, data_dir: Path | None, lock_seconds: int | None = None) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET_KEY}
    env.setdefault("DJANGO_SETTINGS_MODULE", "bpmportal.settings")
    if data_dir is not None:
        env["BPM_DATA_DIR"] = str(data_dir)
    if lock_seconds is not None:
        env["BPM_WORKER_LOCK_SECONDS"] = str(lock_seconds)
    return env


def setup_django(url: str, data_dir: Path) -> None:
    """Configure this process for the benchmark database (before anything imports the models)."""
    os.environ.update(bench_environment(url, data_dir=data_dir))
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()


class WorkerProcess:
    """One real `bpm worker` subprocess in its own process group (so a kill reaches its children)."""

    def __init__(self, *, url: str, queue: str, concurrency: int, lock_seconds: int, data_dir: Path):
        self.url, self.queue, self.concurrency = url, queue, concurrency
        self.lock_seconds, self.data_dir = lock_seconds, data_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.log_path = data_dir / "worker.log"

    def start(self) -> None:
        self.starts += 1
        self.log_path = self.data_dir / f"worker-{id(self)}-{self.starts}.log"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI, argv list
                [sys.executable, "-m", "bpmportal.cli", "worker", "--queue", self.queue],
                cwd=REPO,
                env={
                    **bench_environment(self.url, data_dir=self.data_dir, lock_seconds=self.lock_seconds),
                    "BPM_WORKER_CONCURRENCY": str(self.concurrency),
                },
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        """True once this start of the worker has said it is running (Django up, database migrated)."""
        alive = self.process is not None and self.process.poll() is None
        return alive and b": running (" in self.log_path.read_bytes()

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (handlers' subprocesses included)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a drain); SIGKILL if it does not exit in time."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_until(condition, seconds: float, poll: float = 0.25) -> bool:
    """True once `condition()` holds; False when `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(poll)


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _proc_status_kib(pid: int, field: str) -> int:
    """`field` (VmHWM: peak resident set, VmRSS: current) of /proc/<pid>/status in KiB; 0 if gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """`pid` and every live descendant (django-q2 runs its cluster in child processes)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # The parent pid is the 2nd field after the parenthesised command name.
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending.extend(children.get(current, ()))
    return tree


def tree_memory_kib(pid: int, *, samples: int = 10, interval: float = 0.2) -> tuple[int, int, int]:
    """(sum of peak RSS, sum of current RSS) in KiB over `pid` and its live descendants, and
    how many processes that is.

    The sum of peaks is an upper bound of the tree's peak: the processes need not have
    peaked at the same moment. No psutil: it is not a dependency of the product.

    django-q2 replaces each of its worker processes after `recycle` (500) tasks: between the
    old one's exit and the new one's start the tree is a process short, and a single reading
    then says the worker shrank by a whole process (about 75 MiB). So the tree is read
    `samples` times, `interval` seconds apart, and the reading with the most processes (of
    those, the largest) is the one returned.
    """
    readings = []
    for sample in range(samples):
        if sample:
            time.sleep(interval)
        tree = process_tree(pid)
        peak = sum(_proc_status_kib(p, "VmHWM") for p in tree)
        readings.append((len(tree), peak, sum(_proc_status_kib(p, "VmRSS") for p in tree)))
    processes, peak, current = max(readings)
    return peak, current, processes


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
