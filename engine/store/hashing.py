"""The hash chain of the event log: each event's hash covers its content and the previous hash.

Changing, inserting or removing any stored event breaks the chain at that point, which
engine.store.verify reports. The hash must recompute from what the database gives back, so
the canonical form removes the differences a JSON column may introduce: key order (sorted),
whitespace (none) and integral floats (PostgreSQL's jsonb prints 1e16 as 10000000000000000,
which reads back as an int, so every integral float is hashed as that int).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

#: The `prev_hash` of an instance's first event.
GENESIS_HASH = ""


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    event_type: str,
    node_id: str | None,
    token_id: int | None,
    payload: Any,
    created_at: datetime,
) -> str:
    content = canonical_json(
        {
            "seq": seq,
            "type": event_type,
            "node_id": node_id,
            "token_id": token_id,
            "payload": payload,
            "created_at": _timestamp(created_at),
        }
    )
    return hashlib.sha256(prev_hash.encode("ascii") + content.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=8)
def _timestamp(created_at: datetime) -> str:
    # The events of one command share one timestamp: format it once, not once per event.
    return created_at.astimezone(UTC).isoformat(timespec="microseconds")


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    text = _dumps(value)
    # Only an integral float needs rewriting, and its JSON always has ".0" ("3.0") or "e+"
    # ("1e+16"). Most values have neither: one pass of the C encoder, no copy of the value.
    if ".0" in text or "e+" in text:
        text = _dumps(_canonical(value))
    return text


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value
