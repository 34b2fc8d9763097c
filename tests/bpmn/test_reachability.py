"""Reachable sets: what an inclusive join asks ("can a token still get here?")."""

from __future__ import annotations

from engine.bpmn.reachability import reachable_from


def test_it_finds_what_roots_reach() -> None:
    assert reachable_from(["a"], {"a": ["b"], "b": ["a"], "c": ["a"]}) == {"a", "b"}
