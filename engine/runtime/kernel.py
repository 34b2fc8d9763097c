"""Entry point of the kernel (implementation in progress)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.bpmn.graph import ProcessGraph
from engine.runtime.commands import Command
from engine.runtime.effects import Effect
from engine.runtime.events import Event
from engine.runtime.state import InstanceState


class CommandRejected(ValueError):
    """The command does not fit the instance's current state (e.g. the token is not waiting)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    state: InstanceState
    events: list[Event]
    effects: list[Effect]


def handle(graph: ProcessGraph, state: InstanceState, command: Command) -> Outcome:
    """Run `command` against a copy of `state` until every token rests in a wait state."""
    raise NotImplementedError
