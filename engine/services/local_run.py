"""Run one instance to the end in this process: the driver behind `bpm run` and model tests.

There are no workers and no people here: service task jobs run in-process, and user tasks are
completed with variables given up front (`complete`, by node id, for every activation of that
node). The run stops when the instance ended or when nothing more can happen without outside
input (a user task nobody completes, an incident, a job not yet due).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from engine.bpmn.graph import Node, ProcessGraph
from engine.runtime.events import EventType
from engine.services import complete_user_task, fire_timer, run_pending_jobs, start_instance
from engine.services.timers import next_armed_timer
from engine.store import clock
from engine.store.graphs import graph_of
from engine.store.models import (
    Event,
    Incident,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    StartTimer,
    TimerStatus,
    Token,
    TokenStatus,
    UserTask,
    UserTaskStatus,
)

#: Jobs run plus user tasks completed before a run gives up: a model that loops forever (a
#: gateway that always sends the token back) must not hang `bpm run` or a test suite.
DEFAULT_MAX_STEPS = 10_000

#: Report statuses; `bpm run` maps them to exit codes.
COMPLETED = "completed"
TERMINATED = "terminated"
FAILED = "failed"
WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class RunEvent:
    """One committed event, with its node looked up in the graph for display."""

    seq: int
    type: EventType
    node: Node | None
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class IncidentReport:
    node: str
    error: str
    details: str = ""


@dataclass(frozen=True, slots=True)
class RunReport:
    status: str
    variables: dict[str, Any]
    #: Node ids in completion order, one entry per completion (gateways and events included).
    completed_nodes: list[str]
    #: Node ids of the tokens still waiting (user tasks, service tasks whose job is not due).
    waiting_on: list[str]
    incidents: list[IncidentReport]
    instance_id: int
    graph: ProcessGraph = field(repr=False, compare=False)
    #: True when the run stopped because it used up its steps, not because it settled.
    step_limit_reached: bool = False

    def to_json(self) -> dict[str, Any]:
        """The `bpm run --json` document (a stable contract: see docs/cli.md)."""
        return {
            "status": self.status,
            "variables": self.variables,
            "completed_nodes": self.completed_nodes,
            "waiting_on": self.waiting_on,
            "incidents": [{"node": incident.node, "error": incident.error} for incident in self.incidents],
        }


def run_local(
    *,
    definition: ProcessDefinition,
    variables: Mapping[str, Any] | None = None,
    complete: Mapping[str, Mapping[str, Any]] | None = None,
    business_key: str | None = None,
    on_event: Callable[[RunEvent], None] | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
    skip_timers: bool = False,
) -> RunReport:
    """Start an instance of `definition` and drive it as far as it can go without outside input.

    `complete` maps user task node ids to the variables that complete them; every open task of
    such a node is completed, however often the process comes back to it. `on_event` receives
    each event right after the step that recorded it has committed, in log order. After
    `max_steps` jobs, task completions and timer firings the run stops where it is
    (`step_limit_reached`).

    Timers are not outside input: when nothing else can move, the run waits for the next
    timer in real time, or with `skip_timers` jumps to its due time (virtual time: every later
    step, and every timer armed by it, is computed from that instant).
    """
    complete = complete or {}
    graph = graph_of(definition.pk)
    start_event, virtual_now = _when_to_start(definition, graph, skip_timers)
    with clock.virtual_time(virtual_now) if virtual_now else nullcontext():
        instance = start_instance(
            definition=definition,
            variables=dict(variables or {}),
            business_key=business_key,
            start_event=start_event,
        )
    feed = _EventFeed(instance.pk, graph, on_event)
    feed.publish_new()
    steps = 0
    progressed = True
    while progressed and steps < max_steps:
        with clock.virtual_time(virtual_now) if virtual_now else nullcontext():
            ran = run_pending_jobs(instance_id=instance.pk, limit=max_steps - steps)
            steps += ran
            progressed = ran > 0
            feed.publish_new()
            while steps < max_steps and (task := _next_task_to_complete(instance.pk, complete)) is not None:
                complete_user_task(task_id=task.pk, variables=dict(complete[task.node_id]))
                steps += 1
                feed.publish_new()
                progressed = True
        if progressed or steps >= max_steps:
            continue
        timer = next_armed_timer(instance_id=instance.pk)
        if timer is None or timer.due_at is None:
            break
        if skip_timers:
            virtual_now = max(timer.due_at, virtual_now or clock.now())
        else:
            time.sleep(max(0.0, (timer.due_at - clock.now()).total_seconds()))
        with clock.virtual_time(virtual_now) if virtual_now else nullcontext():
            fire_timer(timer_id=timer.pk)
        steps += 1
        feed.publish_new()
        progressed = True
    report = build_report(ProcessInstance.objects.get(pk=instance.pk), graph)
    if steps >= max_steps and report.status == WAITING:
        return replace(report, step_limit_reached=True)
    return report


def _when_to_start(
    definition: ProcessDefinition, graph: ProcessGraph, skip_timers: bool
) -> tuple[str | None, datetime | None]:
    """The start event to start at, and the virtual time to start at (None: now).

    A process with a none start event starts there, now. One with a timer start event starts
    when its first start timer comes due: after waiting for it, or at once in virtual time.
    One started only by messages or signals starts at the first of those start events, now, as
    if its message (or signal) had arrived carrying the run's variables.
    """
    if graph.start_events.get(None) is not None:
        return None, None
    timer = (
        StartTimer.objects.filter(definition=definition, status=TimerStatus.ARMED)
        .order_by("due_at", "pk")
        .first()
    )
    if timer is None or timer.due_at is None:
        triggered = graph.triggered_start_events()
        return (triggered[0].id if triggered else None), None
    if skip_timers:
        return timer.node_id, max(timer.due_at, clock.now())
    time.sleep(max(0.0, (timer.due_at - clock.now()).total_seconds()))
    return timer.node_id, None


def build_report(instance: ProcessInstance, graph: ProcessGraph) -> RunReport:
    """Where `instance` stands now, in the terms of `bpm run`."""
    incidents = [
        IncidentReport(node, error, details)
        for node, error, details in Incident.objects.filter(instance=instance, resolved_at__isnull=True)
        .order_by("incident_id")
        .values_list("node_id", "error", "details")
    ]
    if instance.status == InstanceStatus.COMPLETED:
        status = COMPLETED
    elif instance.status in (InstanceStatus.TERMINATED, InstanceStatus.CANCELLED):
        status = TERMINATED
    elif incidents:
        status = FAILED
    else:
        status = WAITING
    completed_nodes = list(
        Event.objects.filter(instance=instance, type=EventType.NODE_COMPLETED.value)
        .order_by("seq")
        .values_list("node_id", flat=True)
    )
    waiting_on = list(
        Token.objects.filter(instance=instance, status=TokenStatus.WAITING)
        .order_by("token_id")
        .values_list("node_id", flat=True)
    )
    return RunReport(
        status=status,
        variables=dict(instance.variables),
        completed_nodes=completed_nodes,
        waiting_on=waiting_on,
        incidents=incidents,
        instance_id=instance.pk,
        graph=graph,
    )


def _next_task_to_complete(instance_id: int, complete: Mapping[str, Mapping[str, Any]]) -> UserTask | None:
    # Looked up afresh each time: completing one task can cancel another (terminate end event).
    return (
        UserTask.objects.filter(
            instance_id=instance_id, status=UserTaskStatus.OPEN, node_id__in=list(complete)
        )
        .order_by("pk")
        .first()
    )


class _EventFeed:
    """Hands committed events to a callback once each, in seq order."""

    def __init__(self, instance_id: int, graph: ProcessGraph, callback: Callable[[RunEvent], None] | None):
        self.instance_id = instance_id
        self.graph = graph
        self.callback = callback
        self.last_seq = 0

    def publish_new(self) -> None:
        if self.callback is None:
            return
        rows = Event.objects.filter(instance_id=self.instance_id, seq__gt=self.last_seq).order_by("seq")
        for seq, type_, node_id, payload in rows.values_list("seq", "type", "node_id", "payload"):
            self.last_seq = seq
            node = self.graph.nodes.get(node_id) if node_id else None
            self.callback(RunEvent(seq, EventType(type_), node, payload or {}))
