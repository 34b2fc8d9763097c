"""Reachable sets: what an inclusive join asks ("can a token still get here?")."""

from __future__ import annotations

from itertools import pairwise

from engine.bpmn.reachability import reachable_from, reachable_sets


def test_it_follows_a_chain_without_including_the_start() -> None:
    sets = reachable_sets(["a", "b", "c"], {"a": ["b"], "b": ["c"]})
    assert sets == {"a": {"b", "c"}, "b": {"c"}, "c": frozenset()}


def test_it_includes_a_node_in_its_own_set_only_on_a_cycle() -> None:
    sets = reachable_sets(["a", "b", "c", "d"], {"a": ["b"], "b": ["c"], "c": ["b", "d"]})
    assert sets["a"] == {"b", "c", "d"}
    assert sets["b"] == {"b", "c", "d"}
    assert sets["c"] == {"b", "c", "d"}
    assert sets["d"] == frozenset()


def test_it_treats_a_self_loop_as_a_cycle() -> None:
    assert reachable_sets(["a"], {"a": ["a"]}) == {"a": {"a"}}


def test_it_handles_diamonds_and_isolated_nodes() -> None:
    sets = reachable_sets(["s", "l", "r", "j", "x"], {"s": ["l", "r"], "l": ["j"], "r": ["j"]})
    assert sets == {"s": {"l", "r", "j"}, "l": {"j"}, "r": {"j"}, "j": frozenset(), "x": frozenset()}


def test_it_handles_long_chains_without_recursion() -> None:
    nodes = [f"n{i}" for i in range(5000)]
    successors = {a: [b] for a, b in pairwise(nodes)}
    successors[nodes[-1]] = [nodes[0]]
    sets = reachable_sets(nodes, successors)
    assert sets["n0"] == set(nodes)
    assert sets["n0"] is sets["n4999"]  # one strongly connected component shares one set


def test_it_finds_what_roots_reach() -> None:
    assert reachable_from(["a"], {"a": ["b"], "b": ["a"], "c": ["a"]}) == {"a", "b"}
