"""End to end: real `bpm worker` processes on the test database, real time, real signals."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from engine.services import deploy, start_instance
from engine.store.models import Job, ProcessInstance
from engine.store.verify import verify_instance
from tests.services.models import service_chain_process
from tests.worker.models import one_cli_task_process, parallel_cli_process

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("BPM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

#: Every test runs with both ways of running jobs.
queues = pytest.mark.parametrize("queue", ["django-q", "threads"])


def database_url() -> str:
    """The URL of the database this test runs on, for the worker processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []

    def start(
        *args: str, queue: str, lock_seconds: int = 30, extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        env = {
            **os.environ,
            **(extra_env or {}),
            "DATABASE_URL": database_url(),
            "BPM_DATA_DIR": str(tmp_path / "data"),
            # Queue messages are signed: every process of an installation shares the secret key.
            "SECRET_KEY": settings.SECRET_KEY,
            "BPM_WORKER_LOCK_SECONDS": str(lock_seconds),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bpmportal.cli", "worker", "--queue", queue, *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # so teardown can stop the worker's own children too
        )
        started.append(process)
        assert process.stdout is not None
        first_line = process.stdout.readline()
        assert "running" in first_line, first_line
        return process

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)
    connection.close()


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.05)


def status_of(instance: ProcessInstance) -> str:
    return ProcessInstance.objects.values_list("status", flat=True).get(pk=instance.pk)


@queues
def test_a_worker_completes_an_instance_and_exits_0_on_sigterm(start_worker, queue: str) -> None:
    worker = start_worker("--concurrency", "2", queue=queue)
    instance = start_instance(definition=deploy(service_chain_process(command="echo checked")))

    wait_for(lambda: status_of(instance) == "completed", 10, "the instance to complete")

    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=10)
    assert worker.returncode == 0, output
    instance.refresh_from_db()
    assert instance.variables == {"greeting": "hello", "checked": "checked"}
    assert verify_instance(instance) == []


@queues
def test_sigterm_lets_the_running_job_finish_before_the_worker_exits(start_worker, queue: str) -> None:
    worker = start_worker(queue=queue)
    instance = start_instance(definition=deploy(one_cli_task_process("sleep 1; echo finished")))
    wait_for(lambda: Job.objects.filter(instance=instance, status="running").exists(), 10, "the job to run")

    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=15)

    assert worker.returncode == 0, output
    instance.refresh_from_db()
    assert (instance.status, instance.variables) == ("completed", {"work_out": "finished"})


@queues
def test_the_job_of_a_killed_worker_is_run_again_by_another(start_worker, tmp_path: Path, queue: str) -> None:
    marker = tmp_path / "first-attempt-started"
    # The first attempt writes its pid (then becomes `sleep`), so the test can end it afterwards:
    # task commands run in their own session and outlive the worker that was killed.
    command = (
        f"if [ -s {marker} ]; then echo second; "
        f"else echo $$ > {marker}.tmp; mv {marker}.tmp {marker}; exec sleep 20; fi"
    )
    doomed = start_worker(queue=queue, lock_seconds=3)
    instance = start_instance(definition=deploy(one_cli_task_process(command)))
    wait_for(marker.exists, 10, "the first attempt to start")

    os.killpg(doomed.pid, signal.SIGKILL)  # the worker and all its processes die at once
    doomed.communicate(timeout=10)
    survivor = start_worker(queue=queue, lock_seconds=3)
    wait_for(lambda: status_of(instance) == "completed", 15, "the instance to complete")

    survivor.send_signal(signal.SIGTERM)
    assert survivor.wait(timeout=10) == 0
    instance.refresh_from_db()
    job = Job.objects.get(instance=instance)
    assert (instance.variables, job.attempts) == ({"work_out": "second"}, 2)
    assert "was lost" in job.last_error or job.last_error == ""
    with contextlib.suppress(ProcessLookupError):
        os.kill(int(marker.read_text()), signal.SIGKILL)
    assert verify_instance(instance) == []


def test_a_worker_on_redis_completes_an_instance(start_worker, settings) -> None:
    """Scale-out configuration: the queue is Redis; the worker's scheduler pass sends the job."""
    redis_client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        redis_client.ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {REDIS_URL} (set BPM_TEST_REDIS_URL): {error}")
    settings.BPM_JOB_QUEUE = "threads"  # this test process sends nothing: the worker must
    redis_env = {"BPM_REDIS_URL": REDIS_URL, "BPM_Q_NAME": f"bpm-test-{uuid.uuid4().hex}"}
    worker = start_worker(queue="django-q", extra_env=redis_env)
    instance = start_instance(definition=deploy(service_chain_process(command="echo via-redis")))

    wait_for(lambda: status_of(instance) == "completed", 10, "the instance to complete")

    worker.send_signal(signal.SIGTERM)
    output, _ = worker.communicate(timeout=10)
    assert worker.returncode == 0, output
    assert Job.objects.filter(instance=instance, dispatched_at__isnull=False).count() == 2


@queues
def test_several_workers_share_the_work_and_run_every_job_once(start_worker, queue: str) -> None:
    workers = [start_worker("--concurrency", "2", queue=queue) for _ in range(2)]
    definition = deploy(parallel_cli_process(3, "echo ok"))
    instances = [start_instance(definition=definition) for _ in range(12)]

    wait_for(
        lambda: not ProcessInstance.objects.filter(status="running").exists(),
        30,
        "every instance to complete",
    )

    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    assert [worker.wait(timeout=15) for worker in workers] == [0, 0]
    jobs = Job.objects.filter(instance__in=instances)
    assert jobs.count() == 3 * len(instances)
    assert set(jobs.values_list("status", "attempts")) == {("completed", 1)}
    assert all(verify_instance(instance) == [] for instance in instances)


TIMER_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">
  <process id="pause" isExecutable="true">
    <startEvent id="s"/>
    <intermediateCatchEvent id="wait">
      <timerEventDefinition><timeDuration>PT2S</timeDuration></timerEventDefinition>
    </intermediateCatchEvent>
    <endEvent id="e"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
  </process>
</definitions>
"""


def test_a_worker_fires_a_timer_when_it_is_due_not_before(start_worker) -> None:
    start_worker(queue="threads")
    instance = start_instance(definition=deploy(TIMER_PROCESS))
    time.sleep(1)
    assert status_of(instance) == "running"  # due after 2 s, not before
    wait_for(lambda: status_of(instance) == "completed", 10, "the timer to fire")
    timer = instance.timers.get()
    assert timer.fired_count == 1
    assert timer.last_fired_at >= timer.due_at
    assert verify_instance(instance) == []
