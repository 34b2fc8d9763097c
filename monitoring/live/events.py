"""Engine events as the live layer sends them: plain JSON, the same shape for catch-up and push.

Pages deduplicate by (instance, seq): an event may reach a page twice (once in its catch-up,
once live), never zero times while it is connected.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from engine.store.models import Event

#: The columns the live layer reads (the definition comes through the instance).
EVENT_FIELDS = (
    "id",
    "instance_id",
    "instance__definition_id",
    "seq",
    "type",
    "node_id",
    "token_id",
    "payload",
    "created_at",
)

#: Events after which a task list may look different: a user task opened, completed or withdrawn.
USER_TASK_EVENT_TYPES = frozenset(
    {"task_waiting", "node_completed", "token_terminated", "instance_cancelled", "instance_terminated"}
)

#: Most events one catch-up sends; a page that missed more reloads its snapshot instead.
CATCH_UP_LIMIT = 2000


def event_json(row: dict[str, Any], *, with_payload: bool = True) -> dict[str, Any]:
    data = {
        "instance": row["instance_id"],
        "definition": row["instance__definition_id"],
        "seq": row["seq"],
        "type": row["type"],
        "node": row["node_id"],
        "token": row["token_id"],
        "at": row["created_at"].isoformat(),
    }
    if with_payload:
        data["payload"] = row["payload"]
    return data


def event_rows(queryset: QuerySet[Event]) -> list[dict[str, Any]]:
    return list(queryset.values(*EVENT_FIELDS))


def events_after(instance_id: int, after_seq: int, limit: int = CATCH_UP_LIMIT) -> list[dict[str, Any]]:
    """The instance's committed events with seq > after_seq, oldest first (a page's catch-up)."""
    rows = event_rows(
        Event.objects.filter(instance_id=instance_id, seq__gt=after_seq).order_by("seq")[:limit]
    )
    return [event_json(row) for row in rows]
