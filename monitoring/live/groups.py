"""Channel-layer group names: what a page can subscribe to.

A page subscribes to one or more topics over its WebSocket; each topic is a group the relay
publishes to. Names only use characters channels allows in group names.
"""

from __future__ import annotations

#: Topics with an id (the instance or definition primary key).
INSTANCE = "instance"
DEFINITION = "definition"
#: Topics without an id.
DASHBOARD = "dashboard"
USER_TASKS = "usertasks"

TOPICS_WITH_ID = frozenset({INSTANCE, DEFINITION})
TOPICS = TOPICS_WITH_ID | {DASHBOARD, USER_TASKS}


def group_name(topic: str, object_id: int | None = None) -> str:
    if topic in TOPICS_WITH_ID:
        return f"bpm.{topic}.{object_id}"
    return f"bpm.{topic}"
