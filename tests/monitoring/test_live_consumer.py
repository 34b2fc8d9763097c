"""The /ws/live/ WebSocket: who may connect, what is pushed and when, catching up after a reconnect."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import connection, transaction

from engine.services import complete_user_task, deploy, start_instance
from engine.store.models import Event, UserTask
from monitoring.live.relay import stop_relay
from tests.monitoring.live import communicator, run_in_another_process, session_cookie, user_with_role
from tests.services.models import review_process

pytestmark = pytest.mark.django_db(transaction=True)

#: How long a test waits for a push; the relay polls every 250 ms.
PUSH_WAIT = 3


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body, then stop the relay it started (its loop ends with the body)."""

    async def body() -> None:
        try:
            await test()
        finally:
            await stop_relay()

    async_to_sync(body)()


async def receive_events(
    client: Any, *, until: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """Collect pushed events until `until(events)` holds (or fail after PUSH_WAIT seconds)."""
    events: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PUSH_WAIT
    while not until(events):
        message = await client.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == "events":
            events.extend(message["events"])
    return events


def review_instance() -> tuple[int, int, int]:
    instance = start_instance(definition=deploy(review_process()))
    return instance.pk, instance.definition_id, UserTask.objects.get(instance=instance).pk


def test_it_refuses_anonymous_users() -> None:
    async def test() -> None:
        client = communicator(None)
        connected, code = await client.connect()
        assert not connected
        assert code == 4403

    run(test)


def test_it_refuses_users_without_a_monitoring_role() -> None:
    cookie = session_cookie(user_with_role("mallory", None))

    async def test() -> None:
        connected, _ = await communicator(cookie).connect()
        assert not connected

    run(test)


def test_it_refuses_a_page_from_another_origin() -> None:
    cookie = session_cookie(user_with_role("vera", "viewers"))

    async def test() -> None:
        connected, _ = await communicator(cookie, origin=b"https://evil.example").connect()
        assert not connected

    run(test)


def test_it_pushes_events_only_after_their_transaction_commits() -> None:
    cookie = session_cookie(user_with_role("vera", "viewers"))
    instance_id, _, task_id = review_instance()
    inside_transaction = threading.Event()
    may_commit = threading.Event()

    def complete_in_a_held_transaction() -> None:
        try:
            with transaction.atomic():
                complete_user_task(task_id=task_id, variables={"amount": 5})
                inside_transaction.set()
                may_commit.wait(timeout=30)
        finally:
            connection.close()  # this thread's own connection; the test database is dropped later

    async def test() -> None:
        client = communicator(cookie)
        assert (await client.connect())[0]
        await client.send_json_to({"subscribe": "instance", "id": instance_id})
        assert (await client.receive_json_from())["type"] == "subscribed"
        writer = threading.Thread(target=complete_in_a_held_transaction)
        writer.start()
        try:
            await asyncio.get_running_loop().run_in_executor(None, inside_transaction.wait, 30)
            # Written but not committed: several relay polls go by and nothing reaches the page.
            assert await client.receive_nothing(timeout=1.5)
        finally:
            may_commit.set()
            await asyncio.get_running_loop().run_in_executor(None, writer.join, 30)
        events = await receive_events(
            client, until=lambda got: any(e["type"] == "instance_completed" for e in got)
        )
        assert {e["instance"] for e in events} == {instance_id}
        assert ("node_completed", "review") in [(e["type"], e["node"]) for e in events]
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
        await client.disconnect()

    run(test)


def test_a_rolled_back_transaction_pushes_nothing() -> None:
    cookie = session_cookie(user_with_role("vera", "viewers"))
    instance_id, _, task_id = review_instance()

    def complete_then_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            complete_user_task(task_id=task_id, variables={"amount": 5})
            raise RuntimeError("changed my mind")

    async def test() -> None:
        client = communicator(cookie)
        assert (await client.connect())[0]
        await client.send_json_to({"subscribe": "instance", "id": instance_id})
        await client.receive_json_from()
        await database_sync_to_async(complete_then_roll_back)()
        assert await client.receive_nothing(timeout=1.5)
        await client.disconnect()

    run(test)


def test_a_reconnecting_page_catches_up_on_the_events_it_missed() -> None:
    cookie = session_cookie(user_with_role("vera", "viewers"))
    instance_id, _, task_id = review_instance()
    seen_before_disconnect = Event.objects.filter(instance_id=instance_id).count()
    complete_user_task(task_id=task_id, variables={"amount": 5})
    total = Event.objects.filter(instance_id=instance_id).count()

    async def test() -> None:
        client = communicator(cookie)
        assert (await client.connect())[0]
        await client.send_json_to(
            {"subscribe": "instance", "id": instance_id, "after": seen_before_disconnect}
        )
        assert (await client.receive_json_from())["type"] == "subscribed"
        missed = (await client.receive_json_from())["events"]
        assert [e["seq"] for e in missed] == list(range(seen_before_disconnect + 1, total + 1))
        assert missed[-1]["type"] == "instance_completed"
        await client.disconnect()

    run(test)


def test_dashboard_and_definition_pages_get_events_written_by_another_process() -> None:
    cookie = session_cookie(user_with_role("olga", "operators"))
    instance_id, definition_id, task_id = review_instance()

    async def test() -> None:
        dashboard, definition = communicator(cookie), communicator(cookie)
        for client, subscription in (
            (dashboard, {"subscribe": "dashboard"}),
            (definition, {"subscribe": "definition", "id": definition_id}),
        ):
            assert (await client.connect())[0]
            await client.send_json_to(subscription)
            await client.receive_json_from()
        await asyncio.get_running_loop().run_in_executor(
            None,
            run_in_another_process,
            "from engine.services import complete_user_task\n"
            f"complete_user_task(task_id={task_id}, variables={{'amount': 1}})",
        )
        for client in (dashboard, definition):
            events = await receive_events(
                client, until=lambda got: any(e["type"] == "instance_completed" for e in got)
            )
            assert {e["instance"] for e in events} == {instance_id}
            assert "payload" not in events[0]  # compact: variables stay on the instance page
            await client.disconnect()

    run(test)


def test_it_answers_a_bad_subscription_with_an_error() -> None:
    cookie = session_cookie(user_with_role("vera", "viewers"))

    async def test() -> None:
        client = communicator(cookie)
        assert (await client.connect())[0]
        await client.send_json_to({"subscribe": "everything"})
        assert "must be one of" in (await client.receive_json_from())["error"]
        await client.send_json_to({"subscribe": "instance", "id": 999999})
        assert (await client.receive_json_from())["error"] == "instance 999999 does not exist"
        await client.disconnect()

    run(test)


def test_scale_mode_delivers_through_redis_to_every_web_process(settings: Any) -> None:
    """Two channel layers on one Redis stand for two web processes; only one relay publishes."""
    import os

    from channels_redis.core import RedisChannelLayer

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"], "prefix": f"bpmtest{os.getpid()}"},
        }
    }
    cookie = session_cookie(user_with_role("vera", "viewers"))
    instance_id, _, task_id = review_instance()

    async def test() -> None:
        client = communicator(cookie)
        assert (await client.connect())[0]
        await client.send_json_to({"subscribe": "instance", "id": instance_id})
        await client.receive_json_from()
        # A second "web process": its own layer object on the same Redis, listening to the group.
        other = RedisChannelLayer(**settings.CHANNEL_LAYERS["default"]["CONFIG"])
        other_channel = await other.new_channel()
        await other.group_add(f"bpm.instance.{instance_id}", other_channel)
        await database_sync_to_async(complete_user_task)(task_id=task_id, variables={"amount": 2})
        events = await receive_events(
            client, until=lambda got: any(e["type"] == "instance_completed" for e in got)
        )
        elsewhere = await asyncio.wait_for(other.receive(other_channel), PUSH_WAIT)
        assert elsewhere["events"][0]["seq"] == events[0]["seq"]
        await other.group_discard(f"bpm.instance.{instance_id}", other_channel)
        await client.disconnect()

    run(test)
