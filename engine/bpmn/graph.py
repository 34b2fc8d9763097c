"""The validated, immutable process graph that the parser produces and the kernel runs.

Everything here is plain data: frozen dataclasses, tuples and read-only mappings, so a graph
can be shared between threads and cached per definition without defensive copies. The graph
round-trips through JSON (`to_json` / `from_json`) so the store can keep the parsed form next
to the XML it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

#: Extension namespace of this engine. Service task types, handler fields, user task
#: assignment and form fields live in it (see docs/bpmn-support.md).
BPM_NS = "urn:bpmportal:bpm:1.0"


class NodeKind(StrEnum):
    """BPMN element kinds the engine executes; values are the BPMN local names."""

    START_EVENT = "startEvent"
    END_EVENT = "endEvent"
    INTERMEDIATE_THROW_EVENT = "intermediateThrowEvent"
    TASK = "task"
    MANUAL_TASK = "manualTask"
    SCRIPT_TASK = "scriptTask"
    SERVICE_TASK = "serviceTask"
    USER_TASK = "userTask"
    EXCLUSIVE_GATEWAY = "exclusiveGateway"
    PARALLEL_GATEWAY = "parallelGateway"
    INCLUSIVE_GATEWAY = "inclusiveGateway"
    SUB_PROCESS = "subProcess"
    #: A subprocess whose cancel end event undoes its completed work (compensation).
    TRANSACTION = "transaction"
    BOUNDARY_EVENT = "boundaryEvent"
    INTERMEDIATE_CATCH_EVENT = "intermediateCatchEvent"
    RECEIVE_TASK = "receiveTask"
    SEND_TASK = "sendTask"
    EVENT_BASED_GATEWAY = "eventBasedGateway"


GATEWAYS = frozenset(
    {
        NodeKind.EXCLUSIVE_GATEWAY,
        NodeKind.PARALLEL_GATEWAY,
        NodeKind.INCLUSIVE_GATEWAY,
        NodeKind.EVENT_BASED_GATEWAY,
    }
)
#: Nodes where a token stops until something outside the kernel reports back.
WAIT_STATES = frozenset({NodeKind.SERVICE_TASK, NodeKind.USER_TASK})


@dataclass(frozen=True, slots=True)
class SequenceFlow:
    id: str
    source: str
    target: str
    #: Expression source text with any `${...}` wrapper removed; None when unconditional.
    condition: str | None = None
    name: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class FormField:
    id: str
    label: str
    type: str = "string"  # string | long | double | boolean | enum | date
    required: bool = False
    default: str | None = None
    #: Allowed values of an enum field, as (id, label) pairs.
    values: tuple[tuple[str, str], ...] = ()
    #: Constraints such as ("min", "1"), ("max", "10"), ("pattern", "[A-Z]+").
    constraints: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceTaskDefinition:
    #: Handler type in the registry, e.g. "cli", "noop".
    type: str
    #: Handler fields: a string, or a list of strings for repeated items (argv).
    fields: Mapping[str, str | tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    #: ISO-8601 retry cycle such as "R3/PT10S"; None means the engine default.
    retry: str | None = None


@dataclass(frozen=True, slots=True)
class UserTaskDefinition:
    assignee: str | None = None
    candidate_groups: tuple[str, ...] = ()
    candidate_users: tuple[str, ...] = ()
    due_date: str | None = None
    form_key: str | None = None
    form_fields: tuple[FormField, ...] = ()


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    kind: NodeKind
    name: str | None = None
    #: Id of the enclosing embedded subprocess; None at process level.
    scope: str | None = None
    incoming: tuple[str, ...] = ()
    outgoing: tuple[str, ...] = ()
    default_flow: str | None = None
    line: int = 0
    #: End events only: a terminate end event ends its whole scope at once.
    terminate: bool = False
    #: Script tasks only: lines of `name = expression`.
    script: str | None = None
    service: ServiceTaskDefinition | None = None
    user_task: UserTaskDefinition | None = None
    #: What an event throws or catches: "error", "timer", "message", "signal", "compensate",
    #: "cancel" or "escalation" (None: none).
    trigger: str | None = None
    #: The errorCode thrown (error end event) or caught (boundary; None catches every error);
    #: for escalation events the escalationCode, the same way.
    error_code: str | None = None
    #: Boundary events only: the activity they are attached to.
    attached_to: str | None = None
    #: Activities only: their boundary events, in document order.
    boundary_events: tuple[str, ...] = ()
    #: Timer events: ("date" | "duration" | "cycle", the ISO-8601 text), see engine.timers.
    timer: tuple[str, str] | None = None
    #: Boundary events: whether firing interrupts the activity (cancelActivity); the start
    #: event of an event subprocess: whether it interrupts its scope (isInterrupting).
    cancel_activity: bool = True
    #: Message catch/boundary events and receive tasks: the message's name; signal events:
    #: the signal's name.
    message_name: str | None = None
    #: Their correlation key expression (without ${...}); None matches any key.
    correlation_key: str | None = None
    #: Compensation boundary events: the handler activity their association points to.
    compensation_handler: str | None = None
    #: Activities only: isForCompensation, a handler that runs only when compensation calls it.
    for_compensation: bool = False
    #: Compensation throw and end events: the activity to compensate (None: the whole scope).
    activity_ref: str | None = None
    #: Compensation throw events: whether the token waits until every handler has finished.
    wait_for_completion: bool = True
    #: Message throw/end events and send tasks without a handler: the variables the message
    #: carries (bpm:payload); None carries all of the instance's variables.
    payload: tuple[str, ...] | None = None
    #: Subprocesses only: an event subprocess (triggeredByEvent), started by its start event
    #: while its enclosing scope runs, never by a sequence flow.
    triggered_by_event: bool = False
    #: Error (and escalation) boundary and start events: the variables that receive the caught
    #: error's code and message (errorCodeVariable / errorMessageVariable; an escalation's
    #: escalationCodeVariable is the code variable); None: not kept.
    error_code_variable: str | None = None
    error_message_variable: str | None = None


@dataclass(frozen=True, slots=True)
class ProcessGraph:
    """One executable process: nodes and flows by id, plus precomputed lookups."""

    id: str
    name: str | None
    nodes: Mapping[str, Node]
    flows: Mapping[str, SequenceFlow]
    #: Scope id (None for the process, else a subprocess node id) -> its none start event id.
    start_events: Mapping[str | None, str]

    def triggered_start_events(self) -> list[Node]:
        """The process's timer, message and signal start events (each starts a new instance)."""
        return [
            node
            for node in self.nodes.values()
            if node.kind is NodeKind.START_EVENT and node.scope is None and node.trigger is not None
        ]

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def flow(self, flow_id: str) -> SequenceFlow:
        return self.flows[flow_id]

    def to_json(self) -> dict[str, Any]:
        from engine.bpmn.serialize import graph_to_json

        return graph_to_json(self)

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> ProcessGraph:
        from engine.bpmn.serialize import graph_from_json

        return graph_from_json(data)
