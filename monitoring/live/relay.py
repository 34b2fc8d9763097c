"""The relay: tails the committed events and publishes them to the channel-layer groups.

Engine writers (web requests, `bpm worker` processes, the CLI) only write the Event table.
The relay reads what has been COMMITTED, so a page never sees an event of a transaction that
later rolls back, and it sees events from every process, not only its own. It runs as an
asyncio task inside each web (daphne) process, started by the first WebSocket that connects:

- embedded mode (in-memory channel layer): each web process relays to its own pages;
- scale mode (channels_redis): one relay at a time publishes, elected by a Redis lease, and
  every web process delivers from Redis to its pages. While a lease changes hands, two relays
  may briefly publish the same event; pages drop duplicates by (instance, seq).

Event ids are not committed in order on PostgreSQL (transaction A takes id 10, B takes id 11,
B commits first), so a plain "id > last seen" tail would skip 10 forever. CommittedEventTail
remembers such holes for GAP_PATIENCE seconds and looks for them again; a hole that stays
empty that long was a rolled-back transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
import uuid
from collections import defaultdict
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db.models import Max, Q

from engine.store.models import Event
from monitoring.live import groups
from monitoring.live.events import USER_TASK_EVENT_TYPES, event_json, event_rows
from monitoring.rollups import refresh_rollups

logger = logging.getLogger(__name__)

#: Seconds a hole in the event ids is waited for before it is taken as a rollback.
GAP_PATIENCE = 10.0
#: Most events read per poll; the rest follow on the next poll.
BATCH = 2000
#: Holes wider than this are not tracked one by one (a huge rollback); the catch-up covers them.
MAX_GAP_WIDTH = 10_000
#: How long the Redis lease of the publishing relay lasts without renewal (scale mode).
LEASE_MS = 3000
#: Seconds between two rollup refreshes (monitoring.rollups) by the publishing relay.
ROLLUP_EVERY = 2.0


class CommittedEventTail:
    """Returns each committed event once, in the order found (see the module docstring)."""

    def __init__(self, *, after_id: int, gap_patience: float = GAP_PATIENCE) -> None:
        self.high = after_id
        self.gap_patience = gap_patience
        self.gaps: dict[int, float] = {}

    @classmethod
    def from_now(cls) -> CommittedEventTail:
        return cls(after_id=Event.objects.aggregate(high=Max("id"))["high"] or 0)

    def poll(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        self.gaps = {gap: seen for gap, seen in self.gaps.items() if now - seen < self.gap_patience}
        wanted = Q(id__gt=self.high)
        if self.gaps:
            wanted |= Q(id__in=list(self.gaps))
        rows = event_rows(Event.objects.filter(wanted).order_by("id")[:BATCH])
        previous = self.high
        for row in rows:
            self.gaps.pop(row["id"], None)
            if row["id"] > previous:
                if row["id"] - previous - 1 <= MAX_GAP_WIDTH:
                    self.gaps.update(dict.fromkeys(range(previous + 1, row["id"]), now))
                previous = row["id"]
        self.high = previous
        return rows


def publications(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Group name -> the events it gets: full events per instance, compact ones elsewhere."""
    messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        compact = event_json(row, with_payload=False)
        messages[groups.group_name(groups.INSTANCE, row["instance_id"])].append(event_json(row))
        messages[groups.group_name(groups.DEFINITION, row["instance__definition_id"])].append(compact)
        messages[groups.group_name(groups.DASHBOARD)].append(compact)
        if row["type"] in USER_TASK_EVENT_TYPES:
            messages[groups.group_name(groups.USER_TASKS)].append(compact)
    return messages


class Lease:
    """Scale mode: only the holder of the Redis lease publishes. Embedded mode: always the holder."""

    def __init__(self) -> None:
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex}"
        self.redis: Any = None
        config = settings.CHANNEL_LAYERS["default"]
        if config["BACKEND"].startswith("channels_redis."):
            import redis.asyncio

            # Installations (and test runs) sharing one Redis keep apart by the layer's prefix.
            self.key = f"{config.get('CONFIG', {}).get('prefix', 'asgi')}:monitoring-relay"
            self.redis = redis.asyncio.Redis.from_url(config["CONFIG"]["hosts"][0])

    async def held(self) -> bool:
        if self.redis is None:
            return True
        if await self.redis.set(self.key, self.owner, nx=True, px=LEASE_MS):
            return True
        # Renew only our own lease; another process's lease runs out on its own if it died.
        if (await self.redis.get(self.key)) == self.owner.encode():
            await self.redis.pexpire(self.key, LEASE_MS)
            return True
        return False


async def run_relay(*, poll_seconds: float | None = None, started: asyncio.Event | None = None) -> None:
    """Publish newly committed events forever (cancel the task to stop).

    `started` is set once the first look at the lease (and, holding it, at the event table)
    is done: from then on every committed event reaches the groups.
    """
    poll_seconds = poll_seconds or settings.BPM_MONITORING_POLL_MS / 1000
    layer = get_channel_layer()
    lease = Lease()
    tail: CommittedEventTail | None = None
    next_rollup = 0.0
    loop = asyncio.get_running_loop()
    while True:
        try:
            if await lease.held():
                if tail is None:
                    # Start from now: what happened before, pages fetch with their snapshot.
                    tail = await database_sync_to_async(CommittedEventTail.from_now)()
                rows = await database_sync_to_async(tail.poll)()
                for group, events in publications(rows).items():
                    await layer.group_send(group, {"type": "bpm.events", "events": events})
                if loop.time() >= next_rollup:
                    next_rollup = loop.time() + ROLLUP_EVERY
                    await database_sync_to_async(refresh_rollups)()
            else:
                tail = None  # another relay publishes; take over from "now" if it stops
        except asyncio.CancelledError:
            raise
        except Exception:
            # A database or Redis hiccup must not end live updates for good; pages catch up.
            logger.exception("monitoring relay: poll failed, trying again")
        if started is not None:
            started.set()
        await asyncio.sleep(poll_seconds)


_running: dict[asyncio.AbstractEventLoop, tuple[asyncio.Task[None], asyncio.Event]] = {}
#: How long a WebSocket waits for a starting relay before it is accepted anyway.
START_WAIT = 5.0


async def ensure_relay_running() -> asyncio.Task[None]:
    """Start this process's relay on the running event loop unless it runs there; wait until it tails.

    A page subscribes, then reloads its snapshot: once the relay tails the event table, every
    event is either in that snapshot or pushed after it.
    """
    loop = asyncio.get_running_loop()
    for other in [known for known in _running if known.is_closed()]:
        del _running[other]
    task, started = _running.get(loop, (None, asyncio.Event()))
    if task is None or task.done():
        started = asyncio.Event()
        task = loop.create_task(run_relay(started=started), name="bpm-monitoring-relay")
        _running[loop] = (task, started)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(started.wait(), START_WAIT)
    return task


async def stop_relay() -> None:
    """Stop the relay on the running loop (tests; a server simply exits)."""
    task, _ = _running.pop(asyncio.get_running_loop(), (None, None))
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
