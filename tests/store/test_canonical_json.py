"""The canonical JSON behind event hashes: one form per value, whatever the JSON column gives back."""

from __future__ import annotations

import json

import pytest

from engine.store.hashing import canonical_json


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
