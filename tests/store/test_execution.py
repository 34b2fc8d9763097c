"""Running commands against stored instances: one transaction, compare-and-set, retried on conflict."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection, transaction

from engine.runtime import CommandRejected, CompleteTask, EventType, handle
from engine.services import complete_user_task, deploy, start_instance
from engine.store.errors import Conflict
from engine.store.execution import commit_outcome, execute, load_instance
from engine.store.graphs import graph_of
from engine.store.models import Event, JoinFiring, ProcessInstance, Token, UserTask
from engine.store.verify import verify_instance
from tests.services.models import parallel_process, race_to_terminate_process, review_process
from tests.store.conflicts import recorded_conflicts


def start_in_thread(work: Callable[[], object]) -> Callable[[], None]:
    """Start `work` in a real second thread with its own connection; call the result to wait for it."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def join() -> None:
        thread.join()
        if errors:
            raise errors[0]

    return join


def waiting_token(instance: ProcessInstance, node_id: str) -> int:
    return Token.objects.get(instance=instance, node_id=node_id, status="waiting").token_id


@pytest.mark.django_db
def test_it_records_every_token_as_history_linked_to_the_one_before() -> None:
    instance = start_instance(definition=deploy(review_process()))
    complete_user_task(task_id=UserTask.objects.get(instance=instance).pk)

    tokens = list(Token.objects.filter(instance=instance).order_by("token_id"))

    assert [(t.node_id, t.status) for t in tokens] == [
        ("start", "completed"),
        ("review", "completed"),
        ("end", "completed"),
    ]
    assert [t.previous_token_id for t in tokens] == [None, tokens[0].token_id, tokens[1].token_id]
    assert [t.flow_id for t in tokens] == [None, "f1", "f2"]
    review = tokens[1]
    # Inserted already waiting (arrived and waited in the same command), then one CAS to completed.
    assert review.version == 2
    assert all(t.ended_at is not None for t in tokens)


@pytest.mark.django_db
def test_it_writes_nothing_when_the_kernel_rejects_the_command() -> None:
    instance = start_instance(definition=deploy(review_process()))
    before = (instance.version, Event.objects.filter(instance=instance).count())

    with pytest.raises(CommandRejected, match="no longer active"):
        execute(instance.pk, CompleteTask(token=99))

    instance.refresh_from_db()
    assert (instance.version, Event.objects.filter(instance=instance).count()) == before
    assert verify_instance(instance) == []


@pytest.mark.django_db
def test_it_writes_work_voided_in_the_same_command_as_already_cancelled() -> None:
    instance = start_instance(definition=deploy(race_to_terminate_process()))

    task = UserTask.objects.get(instance=instance)
    assert (instance.status, task.status) == ("terminated", "cancelled")
    assert Token.objects.get(instance=instance, node_id="wait").status == "terminated"
    assert verify_instance(instance) == []


@pytest.mark.django_db
def test_it_never_lets_the_same_join_fire_twice() -> None:
    instance = start_instance(definition=deploy(parallel_process(2)))
    JoinFiring.objects.create(instance=instance, scope=0, gateway_id="join", generation=1, token_id=10)

    with pytest.raises(IntegrityError), transaction.atomic():
        JoinFiring.objects.create(instance=instance, scope=0, gateway_id="join", generation=1, token_id=11)

    JoinFiring.objects.create(instance=instance, scope=0, gateway_id="join", generation=2, token_id=12)


@pytest.mark.django_db
def test_it_records_a_join_firing_with_the_event_that_fired_it() -> None:
    instance = start_instance(definition=deploy(parallel_process(2)))
    for task in UserTask.objects.filter(instance=instance).order_by("pk"):
        complete_user_task(task_id=task.pk)

    [firing] = JoinFiring.objects.filter(instance=instance)
    [fired] = Event.objects.filter(instance=instance, type=EventType.JOIN_FIRED.value)
    assert (firing.gateway_id, firing.scope, firing.generation) == ("join", 0, 1)
    assert (
        firing.token_id
        == fired.token_id
        == Token.objects.get(instance=instance, node_id="join", flow_id=None).token_id
    )


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_write_an_outcome_computed_from_a_stale_snapshot() -> None:
    instance = start_instance(definition=deploy(parallel_process(2)))
    branch1, branch2 = UserTask.objects.filter(instance=instance).order_by("node_id")
    loaded = load_instance(instance.pk)
    events_before = Event.objects.filter(instance=instance).count()

    # Another connection completes branch 1 after our read.
    start_in_thread(lambda: complete_user_task(task_id=branch1.pk))()
    written_by_other = Event.objects.filter(instance=instance).count()
    outcome = handle(loaded.graph, loaded.state, CompleteTask(branch2.token_id))

    with pytest.raises(Conflict), transaction.atomic():
        commit_outcome(loaded, outcome)

    assert written_by_other > events_before
    assert Event.objects.filter(instance=instance).count() == written_by_other
    # Run as a command, it reloads and succeeds: the join sees both branches.
    execute(instance.pk, CompleteTask(branch2.token_id))
    assert JoinFiring.objects.filter(instance=instance).count() == 1
    assert verify_instance(instance) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_retries_a_command_when_another_writer_commits_between_its_read_and_its_write() -> None:
    instance = start_instance(definition=deploy(review_process()))
    task = UserTask.objects.get(instance=instance)
    locked = threading.Event()

    def concurrent_writer() -> None:
        """Change the instance in a transaction that commits only once our command waits on it."""
        with transaction.atomic():
            ProcessInstance.objects.filter(pk=instance.pk).update(version=instance.version + 1)
            locked.set()
            wait_until_another_connection_waits_for_a_lock()

    join_writer = start_in_thread(concurrent_writer)
    assert locked.wait(10)
    # Reads version v (the writer has not committed), then blocks on the CAS until the writer
    # commits v+1: 0 rows updated, a conflict, and a retry that reads v+1.
    with recorded_conflicts() as conflicts:
        completed = complete_user_task(task_id=task.pk, variables={"approved": True})
    join_writer()

    assert len(conflicts) == 1
    assert completed.status == "completed"
    assert completed.version == instance.version + 2
    assert Event.objects.filter(instance=instance, type="instance_completed").count() == 1
    assert verify_instance(instance) == []


def wait_until_another_connection_waits_for_a_lock(timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the command never waited for the instance row lock")


@pytest.mark.django_db
def test_it_caches_the_parsed_graph_of_a_definition() -> None:
    definition = deploy(review_process())

    assert graph_of(definition.pk) is graph_of(definition.pk)
    assert graph_of(definition.pk).node("review").user_task.assignee == "alice"
