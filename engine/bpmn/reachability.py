"""Which nodes can reach which, following sequence flows: for validation and inclusive joins."""

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


def reachable_sets(
    nodes: Iterable[str], successors: Mapping[str, Iterable[str]]
) -> dict[str, frozenset[str]]:
    """For each node, the nodes reachable from it by at least one step.

    A node is in its own set only when it lies on a cycle. Nodes of one strongly connected
    component share one frozenset, and components are folded in reverse topological order, so
    the cost is one pass over the graph plus the set unions, not a search per node.
    """
    components, component_of = _strongly_connected_components(nodes, successors)
    reach: list[frozenset[str]] = [frozenset()] * len(components)
    # Tarjan emits components in reverse topological order: successors come first.
    for index, members in enumerate(components):
        found: set[str] = set()
        cyclic = len(members) > 1
        for node in members:
            for successor in successors.get(node, ()):
                target = component_of[successor]
                if target == index:
                    cyclic = True
                else:
                    found.update(components[target])
                    found.update(reach[target])
        if cyclic:
            found.update(members)
        reach[index] = frozenset(found)
    return {node: reach[component_of[node]] for node in component_of}


def _strongly_connected_components(
    nodes: Iterable[str], successors: Mapping[str, Iterable[str]]
) -> tuple[list[list[str]], dict[str, int]]:
    """Tarjan's algorithm, iterative so that long chains cannot exhaust the Python stack."""
    index_of: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    component_of: dict[str, int] = {}
    for root in nodes:
        if root in index_of:
            continue
        work = [(root, iter(successors.get(root, ())))]
        index_of[root] = low[root] = len(index_of)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index_of:
                    index_of[child] = low[child] = len(index_of)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors.get(child, ()))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index_of[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                members: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component_of[member] = len(components)
                    members.append(member)
                    if member == node:
                        break
                components.append(members)
    return components, component_of
