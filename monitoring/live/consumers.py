"""One WebSocket endpoint, /ws/live/, for every live page.

Protocol (JSON both ways, documented in docs/monitoring.md):

    -> {"subscribe": "instance", "id": 7, "after": 12}   # after: last seq the page has
    -> {"subscribe": "definition", "id": 3}
    -> {"subscribe": "dashboard"} / {"subscribe": "usertasks"}
    <- {"type": "subscribed", "topic": "instance", "id": 7}
    <- {"type": "events", "events": [{instance, definition, seq, type, node, token, at, payload?}]}
    <- {"type": "error", "error": "..."}

Only logged-in users with a monitoring role get a connection (the session cookie is the
credential; AllowedHostsOriginValidator in bpmportal.asgi refuses other sites' pages).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from engine.store.models import ProcessDefinition, ProcessInstance
from monitoring.live import groups
from monitoring.live.events import events_after
from monitoring.live.relay import ensure_relay_running
from monitoring.roles import can_view

#: Close codes (4000-4999 are the application's): the page shows them instead of reconnecting.
CLOSE_FORBIDDEN = 4403


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self) -> None:
        if not await database_sync_to_async(can_view)(self.scope.get("user")):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.subscribed: set[str] = set()
        await ensure_relay_running()
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "subscribed", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("subscribe") not in groups.TOPICS:
            await self.send_json(
                {"type": "error", "error": f"'subscribe' must be one of {sorted(groups.TOPICS)}"}
            )
            return
        topic = content["subscribe"]
        object_id = content.get("id")
        if topic in groups.TOPICS_WITH_ID and not await self._exists(topic, object_id):
            await self.send_json({"type": "error", "error": f"{topic} {object_id!r} does not exist"})
            return
        group = groups.group_name(topic, object_id)
        # Join first, then catch up: an event committed in between arrives twice (pages drop
        # the duplicate by seq) instead of not at all.
        await self.channel_layer.group_add(group, self.channel_name)
        self.subscribed.add(group)
        await self.send_json({"type": "subscribed", "topic": topic, "id": object_id})
        after = content.get("after")
        if topic == groups.INSTANCE and isinstance(after, int) and not isinstance(after, bool) and after >= 0:
            missed = await database_sync_to_async(events_after)(object_id, after)
            if missed:
                await self.send_json({"type": "events", "events": missed})

    async def bpm_events(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "events", "events": message["events"]})

    @database_sync_to_async
    def _exists(self, topic: str, object_id: Any) -> bool:
        if not isinstance(object_id, int) or isinstance(object_id, bool):
            return False
        model = ProcessInstance if topic == groups.INSTANCE else ProcessDefinition
        return model.objects.filter(pk=object_id).exists()
