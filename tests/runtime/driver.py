"""Drive the pure kernel the way the store does, without a database.

Used by the kernel tests: start an instance, then keep completing whatever waits (service
jobs and user tasks) in a chosen order, collecting every event.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.bpmn.graph import WAIT_STATES, ProcessGraph
from engine.runtime import (
    CompleteTask,
    Event,
    EventType,
    FireTimer,
    InstanceState,
    Outcome,
    StartInstance,
    TokenStatus,
    handle,
)
from engine.runtime.commands import Command


@dataclass
class Run:
    graph: ProcessGraph
    state: InstanceState = field(default_factory=InstanceState)
    events: list[Event] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    def send(self, command: Command) -> Outcome:
        outcome = handle(self.graph, self.state, command)
        self.state = outcome.state
        self.events.extend(outcome.events)
        self.outcomes.append(outcome)
        return outcome

    @property
    def completed_nodes(self) -> list[str]:
        return [e.node for e in self.events if e.type is EventType.NODE_COMPLETED and e.node]

    def waiting(self) -> list[tuple[int, str]]:
        """Tokens waiting at a service or user task."""
        return sorted(
            (t.id, t.node)
            for t in self.state.tokens.values()
            if t.status is TokenStatus.WAITING and self.graph.node(t.node).kind in WAIT_STATES
        )

    def next_commands(self, results: Mapping[str, Mapping[str, Any]]) -> list[Command]:
        """Everything that could happen next: a waiting task completes, or a timer fires."""
        tasks: list[Command] = [
            CompleteTask(token, dict(results.get(node, {}))) for token, node in self.waiting()
        ]
        return tasks + [FireTimer(subscription) for subscription in sorted(self.state.subscriptions)]


def drive(
    graph: ProcessGraph,
    variables: Mapping[str, Any] | None = None,
    *,
    results: Mapping[str, Mapping[str, Any]] | None = None,
    rng: random.Random | None = None,
    max_steps: int = 1000,
) -> Run:
    """Start, then complete waiting tasks (with `results[node]` as variables) and fire timers.

    With `rng`, what happens next is picked at random, otherwise the oldest task first.
    """
    run = Run(graph)
    run.send(StartInstance(dict(variables or {})))
    for _ in range(max_steps):
        commands = run.next_commands(results or {})
        if not commands:
            return run
        run.send(rng.choice(commands) if rng else commands[0])
    raise AssertionError(f"instance still waiting after {max_steps} steps")
