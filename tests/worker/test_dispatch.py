"""django-q2 glue: jobs are sent to the queue with or after their commit, and a message only runs
a job it can claim."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings as django_settings
from django.db import DatabaseError, connections, transaction
from django.test import override_settings
from django.utils import timezone
from django_q.models import OrmQ
from django_q.signing import SignedPackage
from pytest_django.fixtures import Settings

from engine.services import deploy, start_instance
from engine.store.models import Job
from engine.worker import dispatch as dispatching
from engine.worker.dispatch import REDISPATCH_AFTER, REDISPATCH_IDLE_AFTER, RUN_JOB, dispatch_due
from engine.worker.tasks import run_job
from tests.worker.models import one_cli_task_process
from tests.worker.test_worker_process import REPO, database_url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def django_q_queue(settings: Settings) -> None:
    settings.BPM_JOB_QUEUE = "django-q"


def queued_job_ids() -> list[int]:
    messages = [SignedPackage.loads(message.payload) for message in OrmQ.objects.order_by("pk")]
    assert all(message["func"] == RUN_JOB for message in messages)
    return [message["args"][0] for message in messages]


def test_it_sends_a_new_job_to_the_queue_once_the_transaction_commits() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))

    job = Job.objects.get(instance=instance)
    assert queued_job_ids() == [job.pk]
    assert job.dispatched_at is not None


class RolledBack(Exception):
    pass


def test_with_the_orm_broker_a_job_and_its_message_commit_together_or_not_at_all() -> None:
    definition = deploy(one_cli_task_process("true"))

    with pytest.raises(RolledBack), transaction.atomic():
        instance = start_instance(definition=definition)
        job = Job.objects.get(instance=instance)
        # Inside the transaction, before any commit: the message is already written, beside
        # its job, and the job already records it as sent.
        assert queued_job_ids() == [job.pk]
        assert job.dispatched_at is not None
        raise RolledBack

    assert not Job.objects.exists()
    assert not OrmQ.objects.exists(), "a rolled-back job leaves no message for a job that never was"


def test_a_process_killed_right_after_its_commit_leaves_no_job_without_its_message(tmp_path: Path) -> None:
    """The moment between the commit and the after-commit hooks (where a message used to be
    sent) is where a starter that dies leaves its job with no message."""
    definition = deploy(one_cli_task_process("true"))
    starter = textwrap.dedent(
        f"""
        import os, django
        django.setup()
        from django.db.backends.base.base import BaseDatabaseWrapper
        from engine.services import start_instance

        def die(self):  # the process is killed the instant its transaction has committed
            os._exit(9)

        BaseDatabaseWrapper.run_and_clear_commit_hooks = die
        start_instance(definition={definition.pk})
        """
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bpmportal.settings",
        "DATABASE_URL": database_url(),
        "BPM_DATA_DIR": str(tmp_path),
        "SECRET_KEY": django_settings.SECRET_KEY,  # so this test can read the signed message
        "BPM_JOB_QUEUE": "django-q",
        "BPM_REDIS_URL": "",
    }
    died = subprocess.run([sys.executable, "-c", starter], cwd=REPO, env=env, capture_output=True, text=True)

    assert died.returncode == 9, died.stderr
    job = Job.objects.get(instance__definition=definition)
    assert queued_job_ids() == [job.pk]


def test_with_the_orm_broker_the_scheduler_pass_sends_its_messages_all_or_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django_q.brokers.orm import ORM

    definition = deploy(one_cli_task_process("true"))
    with override_settings(BPM_JOB_QUEUE="threads"):  # created without messages
        jobs = [Job.objects.get(instance=start_instance(definition=definition)) for _ in range(3)]
    real_enqueue = ORM.enqueue
    refuse_third = True
    written = []

    def enqueue(self: ORM, task: str) -> int:
        written.append(task)
        if refuse_third and len(written) == 3:
            raise DatabaseError("the queue table refused the third message")
        return real_enqueue(self, task)

    monkeypatch.setattr(ORM, "enqueue", enqueue)

    assert dispatch_due(timezone.now()) == 0
    assert not OrmQ.objects.exists(), "the two messages written before the failure went with it"
    assert list(Job.objects.values_list("dispatched_at", flat=True)) == [None, None, None]

    refuse_third = False
    assert dispatch_due(timezone.now()) == 3
    assert sorted(queued_job_ids()) == sorted(job.pk for job in jobs)
    assert None not in Job.objects.values_list("dispatched_at", flat=True)


def test_a_message_runs_its_job_once_however_often_it_is_delivered() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("echo ran")))
    job = Job.objects.get(instance=instance)

    assert run_job(job.pk) == "completed"
    assert run_job(job.pk) == "skipped"

    instance.refresh_from_db()
    job.refresh_from_db()
    assert (instance.status, instance.variables, job.attempts) == ("completed", {"work_out": "ran"}, 1)


def test_the_scheduler_pass_sends_again_a_job_whose_message_was_lost() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    job = Job.objects.get(instance=instance)
    OrmQ.objects.all().delete()  # the message was lost (say, taken by a worker that was killed)

    now = timezone.now()
    assert dispatch_due(now) == 0, "a message sent a moment ago is trusted"
    # Nothing waits in the queue, so the message cannot be on its way: sent again within seconds.
    assert dispatch_due(now + REDISPATCH_IDLE_AFTER + timedelta(seconds=1)) == 1
    assert queued_job_ids() == [job.pk]


def test_while_a_backlog_drains_it_does_not_pile_up_more_messages() -> None:
    definition = deploy(one_cli_task_process("true"))
    first = Job.objects.get(instance=start_instance(definition=definition))
    second = Job.objects.get(instance=start_instance(definition=definition))
    OrmQ.objects.filter(pk=OrmQ.objects.order_by("pk").first().pk).delete()  # first's message lost

    now = timezone.now()
    # second's message still waits in the queue: first may be stuck behind it, not lost.
    assert dispatch_due(now + REDISPATCH_IDLE_AFTER + timedelta(seconds=1)) == 0
    assert dispatch_due(now + REDISPATCH_AFTER + timedelta(seconds=1)) == 2
    assert sorted(queued_job_ids()) == sorted([second.pk, first.pk, second.pk])


def test_a_job_waiting_for_its_busy_instance_is_not_sent_until_the_instance_is_free() -> None:
    instance = start_instance(definition=deploy(one_cli_task_process("true")))
    job = Job.objects.get(instance=instance)
    OrmQ.objects.all().delete()
    Job.objects.create(
        instance=instance,
        token_id=job.token_id,
        node_id=job.node_id,
        kind=job.kind,
        status="running",
        lock_owner="another worker",
        lock_expires_at=timezone.now() + timedelta(minutes=5),
    )
    Job.objects.filter(pk=job.pk).update(dispatched_at=None)  # its message was used up: "skipped"

    assert dispatch_due(timezone.now()) == 0, "its message would only be used up again"
    Job.objects.exclude(pk=job.pk).update(status="completed")
    assert dispatch_due(timezone.now()) == 1
    assert queued_job_ids() == [job.pk]


def test_it_sends_nothing_when_the_worker_polls_the_job_table(settings: Settings) -> None:
    settings.BPM_JOB_QUEUE = "threads"

    start_instance(definition=deploy(one_cli_task_process("true")))

    assert not OrmQ.objects.exists()


@dataclass
class RedisQueue:
    client: redis.Redis
    key: str

    def job_ids(self) -> list[int]:
        return sorted(SignedPackage.loads(raw)["args"][0] for raw in self.client.lrange(self.key, 0, -1))


@pytest.fixture
def redis_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisQueue]:
    """django-q2 on a real Redis, under a queue name of this test's own (deleted afterwards)."""
    from django_q.conf import Conf

    url = os.environ.get("BPM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        pytest.skip(f"needs Redis at {url} (set BPM_TEST_REDIS_URL): {error}")
    name = f"bpm-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", url)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", name)
    dispatching.broker.cache_clear()  # made anew with the settings above...
    queue = RedisQueue(redis.Redis.from_url(url), f"django_q:{name}:q")
    try:
        yield queue
    finally:
        dispatching.broker.cache_clear()  # ...and not kept for later tests
        queue.client.delete(queue.key)


def test_on_redis_a_process_sends_every_message_over_one_connection(
    redis_queue: RedisQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    # django-q2 opens a new Redis connection per message unless it is handed a broker: at a few
    # hundred starts a second that churn cost more than the messages (docs/BENCHMARKS.md).
    connects = []
    real_connect = redis.connection.AbstractConnection.connect

    def counted_connect(self: redis.connection.AbstractConnection) -> None:
        if self._sock is None:  # the pool calls connect() on every use; only a new socket counts
            connects.append(self)
        real_connect(self)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", counted_connect)
    definition = deploy(one_cli_task_process("true"))
    instances = [start_instance(definition=definition) for _ in range(20)]

    jobs = Job.objects.filter(instance__in=instances)
    assert redis_queue.job_ids() == sorted(jobs.values_list("pk", flat=True))
    assert all(job.dispatched_at is not None for job in jobs)
    assert len(connects) - 1 == 1, "one connection for all 20 messages (the other is this test's)"


@pytest.mark.postgres
def test_a_database_lost_after_sending_loses_no_message_and_raises_nothing(redis_queue: RedisQueue) -> None:
    """The messages reach Redis, then the database connection drops before the jobs are marked
    as sent (a failover, a restarted server): the caller of the committed command must not get
    an error, and the jobs, which look never sent, are sent again by the next scheduler pass."""
    definition = deploy(one_cli_task_process("true"))
    with override_settings(BPM_JOB_QUEUE="threads"):  # created without a message
        instance = start_instance(definition=definition)
    job = Job.objects.get(instance=instance)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (backend,) = cursor.fetchone()
    with psycopg.connect(**connections["default"].get_connection_params()) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [backend])

    assert dispatching.dispatch([job.pk]) == 1
    assert redis_queue.job_ids() == [job.pk]

    connections["default"].close()  # what a worker does with a connection that failed
    job.refresh_from_db()
    assert job.dispatched_at is None, "recorded as never sent, so the scheduler pass sends it again"
    assert dispatch_due(timezone.now()) == 1
    assert redis_queue.job_ids() == [job.pk, job.pk]
