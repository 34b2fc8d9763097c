"""Building blocks for compensation models, so each test's process reads in a few lines."""

from __future__ import annotations

import itertools

from engine.bpmn.graph import ProcessGraph
from engine.runtime import Event, EventType
from tests.runtime.models import flow, graph

ERRORS = '<error id="failed" errorCode="FAILED"/>'


def compensable(task: str, *, kind: str = "task", handler_kind: str = "task", attrs: str = "") -> str:
    """Activity `task` with a compensation boundary event associated with handler `undo_<task>`."""
    service = ' bpm:type="noop"'
    return (
        f'<{kind} id="{task}"{service if kind == "serviceTask" else ""}{attrs}/>'
        f'<boundaryEvent id="{task}_compensation" attachedToRef="{task}"><compensateEventDefinition/>'
        "</boundaryEvent>"
        f'<{handler_kind} id="undo_{task}" isForCompensation="true"'
        f"{service if handler_kind == 'serviceTask' else ''}/>"
        f'<association id="{task}_undo" sourceRef="{task}_compensation" targetRef="undo_{task}"/>'
    )


def throw(event_id: str, *, activity: str | None = None, wait: bool = True, end: bool = False) -> str:
    ref = f' activityRef="{activity}"' if activity else ""
    waits = "" if wait else ' waitForCompletion="false"'
    element = "endEvent" if end else "intermediateThrowEvent"
    return f'<{element} id="{event_id}"><compensateEventDefinition{ref}{waits}/></{element}>'


def chain(*nodes: str, prefix: str = "f") -> str:
    """Sequence flows from each node to the next."""
    return "".join(flow(f"{prefix}{i}", a, b) for i, (a, b) in enumerate(itertools.pairwise(nodes)))


def model(body: str) -> ProcessGraph:
    return graph(body, roots=ERRORS)


def handler_runs(events: list[Event]) -> list[tuple[str, str]]:
    """(started|completed, handler) for every compensation handler, in log order."""
    return [
        ("started" if e.type is EventType.COMPENSATION_STARTED else "completed", e.node or "")
        for e in events
        if e.type in (EventType.COMPENSATION_STARTED, EventType.COMPENSATION_COMPLETED)
    ]


def handlers_completed(events: list[Event]) -> list[str]:
    """The handlers in the order they finished, from the event log."""
    return [e.node or "" for e in events if e.type is EventType.COMPENSATION_COMPLETED]
