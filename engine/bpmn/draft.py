"""The process as read from XML, before validation turns it into a ProcessGraph.

The draft keeps every flow element, including the ones the engine refuses, with the XML
element it came from: validation needs both to report each problem once, at the right line,
without follow-up noise (a flow pointing at a refused boundary event is not also "unknown").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn.errors import Problem
from engine.bpmn.graph import NodeKind, ServiceTaskDefinition, UserTaskDefinition
from engine.bpmn.safe_xml import XmlElement


def problem_at(element: XmlElement, message: str, *, line: int | None = None) -> Problem:
    """A problem about `element`, named by its id and BPMN local name."""
    return Problem(message, element.get("id"), element.local, line if line is not None else element.line)


@dataclass(slots=True)
class DraftScope:
    """The process itself (id None) or an embedded subprocess."""

    id: str | None
    element: XmlElement
    #: False inside elements the engine refuses: their content is checked for unsupported
    #: elements, but start event and reachability rules would only add noise there.
    runnable: bool


@dataclass(slots=True)
class DraftNode:
    id: str
    element: XmlElement
    scope: str | None
    #: None when the engine cannot run this element (a problem has been reported for it).
    kind: NodeKind | None
    default_flow: str | None = None
    terminate: bool = False
    script: str | None = None
    service: ServiceTaskDefinition | None = None
    user_task: UserTaskDefinition | None = None
    #: Boundary events: the activity they are attached to (a token can reach them from it).
    attached_to: str | None = None
    trigger: str | None = None
    error_code: str | None = None
    timer: tuple[str, str] | None = None
    cancel_activity: bool = True
    message_name: str | None = None
    correlation_key: str | None = None
    compensation_handler: str | None = None
    for_compensation: bool = False
    activity_ref: str | None = None
    wait_for_completion: bool = True
    payload: tuple[str, ...] | None = None
    triggered_by_event: bool = False
    error_code_variable: str | None = None
    error_message_variable: str | None = None

    @property
    def local(self) -> str:
        return self.element.local


@dataclass(slots=True)
class DraftFlow:
    id: str
    element: XmlElement
    scope: str | None
    source: str | None
    target: str | None
    #: The flow has a conditionExpression (even one refused for its language or syntax).
    has_condition: bool = False
    #: The compiled condition's text without its ${...} wrapper, as the graph keeps it.
    condition: str | None = None
    condition_line: int | None = None


@dataclass(slots=True)
class DraftProcess:
    element: XmlElement
    scopes: dict[str | None, DraftScope] = field(default_factory=dict)
    nodes: dict[str, DraftNode] = field(default_factory=dict)
    flows: dict[str, DraftFlow] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    #: errorCode of each <error> of the file, by id (errorEventDefinition errorRef points here).
    error_codes: dict[str, str] = field(default_factory=dict)
    #: name of each <message> of the file, by id (messageRef points here).
    message_names: dict[str, str] = field(default_factory=dict)
    #: name of each <signal> of the file, by id (signalRef points here).
    signal_names: dict[str, str] = field(default_factory=dict)
    #: escalationCode of each <escalation> of the file, by id (escalationRef points here).
    escalation_codes: dict[str, str] = field(default_factory=dict)
    #: Every <association> of the process: (sourceRef, targetRef, element); compensation
    #: boundary events point at their handler this way.
    associations: list[tuple[str, str, XmlElement]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.element.get("id") or ""

    def report(self, element: XmlElement, message: str, *, line: int | None = None) -> None:
        self.problems.append(problem_at(element, message, line=line))
