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
    """The hash of one event: sha256 of `prev_hash` and the canonical JSON of its fields."""
    return chained_hash(
        prev_hash,
        seq=seq,
        event_type=event_type,
        node_id=node_id,
        token_id=token_id,
        payload_json=canonical_json(payload),
        created_at=created_at,
    )


def chained_hash(
    prev_hash: str,
    *,
    seq: int,
    event_type: str,
    node_id: str | None,
    token_id: int | None,
    payload_json: str,
    created_at: datetime,
) -> str:
    """`event_hash` for a payload already in canonical JSON (`canonical_json(payload)`).

    The writer encodes each payload once and stores that text too, instead of encoding it for
    the hash and again for the column. The content is the canonical JSON of the object
    {created_at, node_id, payload, seq, token_id, type}, put together in its sorted key order:
    the same text `canonical_json` gives for that object, so the same hash.
    """
    content = "".join(
        (
            '{"created_at":',
            _timestamp_json(created_at),
            ',"node_id":',
            "null" if node_id is None else _dumps(node_id),
            ',"payload":',
            payload_json,
            ',"seq":',
            str(int(seq)),
            ',"token_id":',
            "null" if token_id is None else str(int(token_id)),
            ',"type":',
            _dumps(event_type),
            "}",
        )
    )
    return hashlib.sha256(prev_hash.encode("ascii") + content.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=8)
def _timestamp_json(created_at: datetime) -> str:
    # The events of one command share one timestamp: format it once, not once per event.
    return _dumps(created_at.astimezone(UTC).isoformat(timespec="microseconds"))


_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_json(value: Any) -> str:
    return stored_and_canonical_json(value)[1]


def stored_and_canonical_json(value: Any) -> tuple[str, str]:
    """(JSON text of `value` to store, its canonical JSON to hash): one encoding for both when they agree.

    They differ only for an integral float: the stored text keeps `3.0` (so the value reads
    back as the float it was), the canonical one says `3`.
    """
    text = _dumps(value)
    # Only an integral float needs rewriting, and its JSON always has ".0" ("3.0") or "e+"
    # ("1e+16"). Most values have neither: one pass of the C encoder, no copy of the value.
    if ".0" in text or "e+" in text:
        return text, _dumps(_canonical(value))
    return text, text


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value
