"""Which nodes a set of roots reaches, following sequence flows (validation's reachability rule)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def reachable_from(roots: Iterable[str], successors: Mapping[str, Iterable[str]]) -> set[str]:
    """The roots and every node reachable from them."""
    seen = set(roots)
    pending = list(seen)
    while pending:
        for successor in successors.get(pending.pop(), ()):
            if successor not in seen:
                seen.add(successor)
                pending.append(successor)
    return seen
