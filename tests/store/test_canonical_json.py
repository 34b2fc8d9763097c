"""The canonical JSON behind event hashes: one form per value, whatever the JSON column gives back."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store.hashing import canonical_json, chained_hash, event_hash, stored_and_canonical_json


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"b": 1, "a": [2, "x"]}, '{"a":[2,"x"],"b":1}'),
        ({"price": 3.0}, '{"price":3}'),
        ({"big": 1e16, "neg": -5.0}, '{"big":10000000000000000,"neg":-5}'),
        ({"nested": [{"f": 2.0}, (1.0, 1.5)]}, '{"nested":[{"f":2},[1,1.5]]}'),
        # Strings that look like integral floats stay as they are (they only take the slow path).
        (
            {"at": "2026-12-04T10:00:00.000000", "n": "1e+16"},
            '{"at":"2026-12-04T10:00:00.000000","n":"1e+16"}',
        ),
        ({"ratio": 0.25, "name": "Zoë"}, '{"name":"Zoë","ratio":0.25}'),
    ],
)
def test_canonical_form(value: object, expected: str) -> None:
    assert canonical_json(value) == expected


def test_integral_floats_hash_like_the_ints_a_database_gives_back() -> None:
    stored = {"amount": 1e16, "items": [1.0, 2.5]}
    read_back = json.loads(json.dumps({"amount": 10**16, "items": [1, 2.5]}))
    assert canonical_json(stored) == canonical_json(read_back)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    payload=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
    node_id=st.none() | st.text(max_size=10),
    token_id=st.none() | st.integers(min_value=0, max_value=10**12),
    seq=st.integers(min_value=1, max_value=10**9),
    event_type=st.sampled_from(["token_arrived", "node_completed", "variables_updated"]),
)
def test_the_writers_hash_is_the_hash_of_the_canonical_event_verify_recomputes(
    payload: dict, node_id: str | None, token_id: int | None, seq: int, event_type: str
) -> None:
    # The writer hashes a payload it has encoded once (chained_hash); `bpm verify` recomputes
    # from the stored row through the canonical JSON of the whole event. Both must agree for
    # every payload, or a valid history would be reported as tampered.
    created_at = datetime(2026, 12, 5, 9, 0, 0, 1234, tzinfo=UTC)
    content = canonical_json(
        {
            "seq": seq,
            "type": event_type,
            "node_id": node_id,
            "token_id": token_id,
            "payload": payload,
            "created_at": "2026-12-05T09:00:00.001234+00:00",
        }
    )
    expected = hashlib.sha256(b"prev" + content.encode("utf-8")).hexdigest()
    fields = {
        "seq": seq,
        "event_type": event_type,
        "node_id": node_id,
        "token_id": token_id,
        "created_at": created_at,
    }

    stored, canonical = stored_and_canonical_json(payload)
    assert chained_hash("prev", payload_json=canonical, **fields) == expected
    assert event_hash("prev", payload=payload, **fields) == expected
    assert json.loads(stored) == payload


def test_the_stored_text_keeps_an_integral_float_a_float() -> None:
    stored, canonical = stored_and_canonical_json({"price": 3.0, "n": 3})
    assert (stored, canonical) == ('{"n":3,"price":3.0}', '{"n":3,"price":3}')
    assert isinstance(json.loads(stored)["price"], float)
