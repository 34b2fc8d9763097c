"""Event subprocesses in the parser: what their start event may be, and how they connect.

An event subprocess (`subProcess triggeredByEvent="true"`) sits inside a process or an
embedded subprocess without sequence flows: its single start event (timer, message, signal,
error or escalation) starts it while the enclosing scope runs. The reader asks `event_start_refusals`
about such start events instead of the rules for ordinary start events; validation then
checks the rules between elements (`check_event_subprocesses`). The kernel side is
engine.runtime.behaviours.event_subprocesses.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.bpmn.camunda import CAMUNDA_NS
from engine.bpmn.draft import DraftFlow, DraftNode, DraftProcess
from engine.bpmn.extensions import bpm_attributes
from engine.bpmn.graph import BPM_NS, NodeKind
from engine.bpmn.safe_xml import XmlElement
from engine.bpmn.support import BPMN_MODEL_NS

#: Start events an event subprocess may have, by event definition.
EVENT_START_DEFINITIONS = {
    "timerEventDefinition": "timer",
    "messageEventDefinition": "message",
    "signalEventDefinition": "signal",
    "errorEventDefinition": "error",
    "escalationEventDefinition": "escalation",
    # Runs when its completed subprocess is compensated (engine.runtime.behaviours.compensation).
    "compensateEventDefinition": "compensate",
}


def is_event_subprocess(element: XmlElement) -> bool:
    return element.local == "subProcess" and (element.get("triggeredByEvent") or "").strip().lower() == "true"


def event_start_refusals(element: XmlElement) -> list[str]:
    """Why this start event of an event subprocess cannot run; empty when it can."""
    definitions = [
        child.local
        for child in element.children_in(BPMN_MODEL_NS)
        if child.local.endswith("EventDefinition") or child.local == "eventDefinitionRef"
    ]
    if not definitions:
        return [
            "the start event of an event subprocess needs a timer, message, signal, error, escalation "
            "or compensation event definition saying what starts it"
        ]
    if len(definitions) > 1:
        several = ", ".join(definitions)
        return [f"start events with several event definitions ({several}) are not supported yet"]
    if definitions[0] not in EVENT_START_DEFINITIONS:
        return [
            f"{definitions[0].removesuffix('EventDefinition')} start events of event subprocesses are not "
            f"supported; only {_names()} start events are"
        ]
    if definitions[0] == "errorEventDefinition" and not is_interrupting(element):
        return ['an error start event always interrupts its scope; remove isInterrupting="false"']
    return []


def _names() -> str:
    names = sorted(set(EVENT_START_DEFINITIONS.values()))
    return ", ".join(names[:-1]) + " and " + names[-1]


def is_interrupting(element: XmlElement) -> bool:
    """isInterrupting of a start event; BPMN's default is true."""
    return (element.get("isInterrupting") or "true").strip().lower() != "false"


def check_event_subprocesses(
    draft: DraftProcess, outgoing: dict[str, list[DraftFlow]], incoming: dict[str, list[DraftFlow]]
) -> None:
    """No sequence flow or boundary event touches an event subprocess; it has one start event."""
    for node in draft.nodes.values():
        outside = node.local == "startEvent" and not (
            node.scope and draft.nodes[node.scope].triggered_by_event
        )
        if outside and "correlationKey" in bpm_attributes(node.element):
            draft.report(
                node.element,
                "bpm:correlationKey belongs on the message start event of an event subprocess; a message "
                "start event of a process starts a new instance whatever the key",
            )
        if node.kind is not NodeKind.SUB_PROCESS or not node.triggered_by_event:
            continue
        flows = incoming[node.id] + outgoing[node.id]
        if flows:
            draft.report(
                node.element,
                f"an event subprocess cannot have incoming or outgoing sequence flows ({_ids(flows)}); "
                "its start event starts it",
            )
        for boundary in draft.nodes.values():
            if boundary.attached_to == node.id:
                message = f"a boundary event cannot be attached to event subprocess '{node.id}'"
                draft.report(boundary.element, message)
        starts = [n for n in draft.nodes.values() if n.scope == node.id and n.local == "startEvent"]
        if not starts:
            draft.report(
                node.element,
                "the event subprocess has no start event; it needs exactly one timer, message, signal or "
                "error start event",
            )
        for extra in starts[1:]:
            draft.report(
                extra.element,
                f"an event subprocess has exactly one start event; '{node.id}' already starts with "
                f"'{starts[0].id}'",
            )


def read_error_variables(node: DraftNode, draft: DraftProcess) -> None:
    """bpm: (or camunda:) errorCodeVariable and errorMessageVariable of an error event.

    They name the variables that receive a caught error's code and message, so they belong to
    the events that catch: error boundary events and error start events.
    """
    definition = next(c for c in node.element.children_in(BPMN_MODEL_NS) if c.local == "errorEventDefinition")
    _read_code_variable(node, definition, "errorCodeVariable", draft)
    _read_code_variable(node, definition, "errorMessageVariable", draft)


def _read_code_variable(node: DraftNode, definition: XmlElement, attribute: str, draft: DraftProcess) -> None:
    """One of the variable-name attributes of an error or escalation definition, if given.

    An escalation's code variable is kept in `error_code_variable` as its code is in
    `error_code`.
    """
    catches = node.local == "boundaryEvent" or node.local == "startEvent"
    for namespace, prefix in ((BPM_NS, "bpm"), (CAMUNDA_NS, "camunda")):
        value = definition.get(f"{{{namespace}}}{attribute}")
        if value is None:
            continue
        name = value.strip()
        if not catches:
            message = f"{prefix}:{attribute} belongs on an event that catches, not on {node.local}"
            draft.report(node.element, message, line=definition.line)
        elif not name.isidentifier():
            message = f"{prefix}:{attribute} '{value}' is not a variable name"
            draft.report(node.element, message, line=definition.line)
        elif attribute == "errorMessageVariable":
            node.error_message_variable = name
        else:
            node.error_code_variable = name


def read_escalation(node: DraftNode, definitions: list[XmlElement], draft: DraftProcess) -> None:
    """An escalationEventDefinition: the escalationCode thrown or caught, kept in `error_code`.

    Without an escalationRef a catching event catches every escalation (and a throwing one
    throws no code).
    """
    escalations = [d for d in definitions if d.local == "escalationEventDefinition"]
    if not escalations:
        return
    node.trigger = "escalation"
    _read_code_variable(node, escalations[0], "escalationCodeVariable", draft)
    ref = (escalations[0].get("escalationRef") or "").strip()
    if not ref:
        return
    if ref not in draft.escalation_codes:
        known = ", ".join(sorted(draft.escalation_codes)) or "none"
        message = f"escalationRef '{ref}' names no <escalation> element of this file (escalations: {known})"
        draft.report(node.element, message, line=escalations[0].line)
        return
    node.error_code = draft.escalation_codes[ref]


def _ids(flows: Sequence[DraftFlow]) -> str:
    return ", ".join(f"'{flow.id}'" for flow in flows)
