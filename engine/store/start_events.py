"""Start events in the store: which definitions a timer, message or signal starts, and starting them.

Only the latest version of a process key is started by its triggered start events, as in
Camunda 7: deploying a version arms its start timers and indexes its message and signal
start events (StartTimer, StartSubscription), and cancels or removes those of every other
version of the key in the same transaction. Each start is one transaction that creates the
instance and runs StartInstance naming the start event that fired; the guards that make it
happen exactly once (the start timer's compare-and-set, the unique SignalStart row, the
message outbox's `sent_at`) are written in that same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from engine.bpmn.errors import Problem
from engine.bpmn.graph import ProcessGraph
from engine.runtime import InstanceState, StartInstance, handle
from engine.store.execution import commit_new_instance, run_atomically
from engine.store.graphs import graph_of
from engine.store.messages import lock_message_names
from engine.store.models import (
    ProcessDefinition,
    ProcessInstance,
    Signal,
    SignalStart,
    StartSubscription,
    StartTimer,
    TimerStatus,
)
from engine.timers import parse_timer


def message_start_conflicts(graph: ProcessGraph) -> list[Problem]:
    """Message start events whose message already starts another process (it must pick one).

    Call inside the deploy transaction: it takes the message name locks, so that two
    deployments of different processes cannot both claim one name (and a message being
    correlated meanwhile sees either deployment complete or none of it).
    """
    problems = []
    starts = [node for node in graph.triggered_start_events() if node.trigger == "message"]
    lock_message_names([node.message_name or "" for node in starts])
    for node in starts:
        other = (
            StartSubscription.objects.filter(trigger="message", name=node.message_name)
            .exclude(definition__key=graph.id)
            .select_related("definition")
            .first()
        )
        if other is not None:
            problems.append(
                Problem(
                    f"message '{node.message_name}' already starts process '{other.definition.key}' "
                    f"(start event '{other.node_id}'); a message can start only one process",
                    node.id,
                    node.kind.value,
                    node.line,
                )
            )
    return problems


def activate_start_events(definition: ProcessDefinition, graph: ProcessGraph, now: datetime) -> None:
    """Make `definition` the version its triggered start events start (in the deploy transaction)."""
    others = ProcessDefinition.objects.filter(key=definition.key).exclude(pk=definition.pk)
    StartTimer.objects.filter(definition__in=others, status=TimerStatus.ARMED).update(
        status=TimerStatus.CANCELLED
    )
    StartSubscription.objects.filter(definition__in=others).delete()
    for node in graph.triggered_start_events():
        if node.trigger == "timer" and node.timer is not None:
            kind, text = node.timer
            StartTimer.objects.create(
                definition=definition,
                node_id=node.id,
                kind=kind,
                spec=text,
                due_at=parse_timer(kind, text).first_due(now),
                created_at=now,
            )
        elif node.trigger in ("message", "signal"):
            StartSubscription.objects.create(
                definition=definition,
                node_id=node.id,
                trigger=node.trigger,
                name=node.message_name or "",
                created_at=now,
            )


def begin_instance(
    definition: ProcessDefinition,
    *,
    variables: Mapping[str, Any],
    start_event: str | None = None,
    business_key: str | None = None,
    started_by: Any = None,
) -> ProcessInstance:
    """Create an instance and run StartInstance at `start_event` (None: the none start event).

    Call inside transaction.atomic(); raises CommandRejected when that start event cannot start it.
    """
    graph = graph_of(definition)
    outcome = handle(graph, InstanceState(), StartInstance(variables, start_event))
    instance = ProcessInstance(definition=definition, business_key=business_key, started_by=started_by)
    return commit_new_instance(instance, graph, outcome)


def start_by_message(name: str, variables: Mapping[str, Any]) -> ProcessInstance | None:
    """Start the process whose message start event takes `name`; None when there is none.

    Call inside the correlating transaction, after the message name lock.
    """
    subscription = (
        StartSubscription.objects.filter(trigger="message", name=name, definition__suspended=False)
        .select_related("definition")
        .order_by("pk")
        .first()
    )
    if subscription is None:
        return None
    return begin_instance(subscription.definition, variables=variables, start_event=subscription.node_id)


def start_by_signal(signal: Signal) -> int:
    """Start one instance of every process with a start event for this signal; how many started.

    Each start is its own transaction with a SignalStart row, unique per (signal, definition):
    delivering the signal again after a crash starts nothing twice. Only processes deployed
    before the signal was thrown are started.
    """
    starters = list(
        StartSubscription.objects.filter(
            trigger="signal",
            name=signal.name,
            created_at__lte=signal.created_at,
            definition__suspended=False,
        )
        .order_by("pk")
        .values_list("definition_id", "node_id")
    )
    return sum(_start_once(signal, definition_id, node_id) for definition_id, node_id in starters)


def _start_once(signal: Signal, definition_id: int, node_id: str) -> bool:
    def work() -> bool:
        if SignalStart.objects.filter(signal=signal, definition_id=definition_id).exists():
            return False
        definition = ProcessDefinition.objects.get(pk=definition_id)
        instance = begin_instance(definition, variables=signal.variables, start_event=node_id)
        SignalStart.objects.create(signal=signal, definition=definition, instance=instance)
        return True

    return run_atomically(work)
