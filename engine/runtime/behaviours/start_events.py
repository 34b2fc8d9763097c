"""Which start event starts an instance: the none start event, or the timer, message or
signal start event that fired.

A process may have several start events (BPMN 2.0 10.5.2): one none start event for a plain
start, and any number of triggered ones, each starting a new instance when its trigger
happens. The store decides which one fired (engine.store.start_events) and names it in
StartInstance; the token then leaves that start event like any other.
"""

from __future__ import annotations

from engine.bpmn.graph import NodeKind, ProcessGraph


def start_node(graph: ProcessGraph, start_event: str | None) -> str:
    """The start event a new instance begins at; raises CommandRejected when it cannot."""
    from engine.runtime.kernel import CommandRejected

    if start_event is None:
        node = graph.start_events.get(None)
        if node is None:
            raise CommandRejected(f"process '{graph.id}' has no none start event; {starts_by(graph)}")
        return node
    found = graph.nodes.get(start_event)
    if found is None or found.kind is not NodeKind.START_EVENT or found.scope is not None:
        raise CommandRejected(f"'{start_event}' is not a start event of process '{graph.id}'")
    return found.id


def starts_by(graph: ProcessGraph) -> str:
    """How the process's instances start, for an error message."""
    triggers = [
        f"{node.trigger} start event '{node.id}'"
        + (f" (message '{node.message_name}')" if node.trigger == "message" else "")
        + (f" (signal '{node.message_name}')" if node.trigger == "signal" else "")
        for node in graph.triggered_start_events()
    ]
    return "it starts only by its " + ", ".join(triggers) if triggers else "it cannot be started"
