"""Reading one process element into a draft: flow elements by scope, and what cannot run.

Each element is checked on its own here: supported elements are read with their behaviour
(conditions and scripts compiled, our extensions read); elements the engine refuses are kept
in the draft too, marked as such, after reporting why, so that validation (the rules between
elements) can tell "refused" from "unknown" and report each problem once.
"""

from __future__ import annotations

import textwrap

from engine.bpmn.camunda import check_camunda_extensions
from engine.bpmn.draft import DraftFlow, DraftNode, DraftProcess, DraftScope
from engine.bpmn.event_subprocesses import (
    event_start_refusals,
    is_event_subprocess,
    is_interrupting,
    read_error_variables,
    read_escalation,
)
from engine.bpmn.extensions import (
    Report,
    bpm_attributes,
    check_java_delegates,
    check_no_extension_children,
    check_unknown_bpm_attributes,
    read_service_task,
    read_user_task,
)
from engine.bpmn.graph import NodeKind
from engine.bpmn.safe_xml import XmlElement
from engine.bpmn.support import (
    ACTIVITIES,
    BPMN_MODEL_NS,
    CANCEL_EVENT_DEFINITION,
    COMPENSATE_EVENT_DEFINITION,
    CONTAINERS,
    DESCRIPTIVE_IN_SCOPE,
    ERROR_EVENT_DEFINITION,
    ESCALATION_EVENT_DEFINITION,
    MESSAGE_EVENT_DEFINITION,
    REFUSED_ACTIVITY_CHILDREN,
    REFUSED_NODES,
    SIGNAL_EVENT_DEFINITION,
    SUPPORTED_NODES,
    TERMINATE_EVENT_DEFINITION,
    TIMER_EVENT_DEFINITION,
)
from engine.expressions import ExpressionError, compile_expression, compile_script
from engine.timers import TimerSpecError, parse_timer

#: Far above any real model; validation and the inclusive join's path search grow with it.
MAX_FLOW_NODES = 2_000

_EVENTS = {
    "startEvent": "start events",
    "endEvent": "end events",
    "intermediateThrowEvent": "intermediate throw events",
    "boundaryEvent": "boundary events",
    "intermediateCatchEvent": "intermediate catch events",
}
#: Events that wait for something must say what: they are useless without a definition.
_NEED_DEFINITION = {"boundaryEvent", "intermediateCatchEvent"}
#: The event definitions each event element may carry (none at all is always fine, except on
#: a boundary event, which must say what it catches).
_ALLOWED_DEFINITIONS = {
    "startEvent": ([TIMER_EVENT_DEFINITION], [MESSAGE_EVENT_DEFINITION], [SIGNAL_EVENT_DEFINITION]),
    "endEvent": (
        [TERMINATE_EVENT_DEFINITION],
        [ERROR_EVENT_DEFINITION],
        [SIGNAL_EVENT_DEFINITION],
        [MESSAGE_EVENT_DEFINITION],
        [COMPENSATE_EVENT_DEFINITION],
        [CANCEL_EVENT_DEFINITION],
        [ESCALATION_EVENT_DEFINITION],
    ),
    "boundaryEvent": (
        [ERROR_EVENT_DEFINITION],
        [TIMER_EVENT_DEFINITION],
        [MESSAGE_EVENT_DEFINITION],
        [SIGNAL_EVENT_DEFINITION],
        [COMPENSATE_EVENT_DEFINITION],
        [CANCEL_EVENT_DEFINITION],
        [ESCALATION_EVENT_DEFINITION],
    ),
    "intermediateCatchEvent": (
        [TIMER_EVENT_DEFINITION],
        [MESSAGE_EVENT_DEFINITION],
        [SIGNAL_EVENT_DEFINITION],
    ),
    "intermediateThrowEvent": (
        [SIGNAL_EVENT_DEFINITION],
        [MESSAGE_EVENT_DEFINITION],
        [COMPENSATE_EVENT_DEFINITION],
        [ESCALATION_EVENT_DEFINITION],
    ),
}
_SUPPORTED_TEXT = {
    "startEvent": "none, timer, message and signal start events are",
    "endEvent": "none, terminate, error, signal, message, compensation, cancel and escalation end events are",
    "boundaryEvent": (
        "only error, timer, message, signal, compensation, cancel and escalation boundary events are"
    ),
    "intermediateCatchEvent": "only timer, message and signal intermediate catch events are",
    "intermediateThrowEvent": (
        "only none, signal, message, compensation and escalation intermediate throw events are"
    ),
}
#: Elements that send a message: with a handler (bpm:type) or by the engine itself.
MESSAGE_THROWERS = frozenset({"sendTask", "intermediateThrowEvent", "endEvent"})
_MESSAGE_VERBS = {"startEvent": "start with"}
_TIMER_KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}


def read_process(
    process: XmlElement,
    error_codes: dict[str, str] | None = None,
    message_names: dict[str, str] | None = None,
    signal_names: dict[str, str] | None = None,
    *,
    escalation_codes: dict[str, str] | None = None,
) -> DraftProcess:
    """Collect the process's flow elements, reporting elements the engine cannot run.

    `error_codes` maps the ids of the file's <error> elements to their errorCode, and
    `message_names` and `signal_names` the ids of its <message> and <signal> elements to
    their names; `escalation_codes` the ids of its <escalation> elements to their
    escalationCode.
    """
    draft = DraftProcess(
        process,
        error_codes=dict(error_codes or {}),
        message_names=dict(message_names or {}),
        signal_names=dict(signal_names or {}),
        escalation_codes=dict(escalation_codes or {}),
    )
    draft.scopes[None] = DraftScope(None, process, runnable=True)
    _check_unique_ids(process, draft)
    _read_scope(process, None, runnable=True, draft=draft)
    _read_associations(process, draft)
    if len(draft.nodes) > MAX_FLOW_NODES:
        draft.report(
            process, f"the process has {len(draft.nodes):,} flow nodes; the limit is {MAX_FLOW_NODES:,}"
        )
    return draft


def _check_unique_ids(process: XmlElement, draft: DraftProcess) -> None:
    first: dict[str, XmlElement] = {}
    for element in process.iter():
        element_id = element.get("id")
        if element.namespace != BPMN_MODEL_NS or element_id is None:
            continue
        if element_id in first:
            other = first[element_id]
            draft.report(element, f"duplicate id: already used by the {other.local} on line {other.line}")
        else:
            first[element_id] = element


def _read_scope(container: XmlElement, scope: str | None, runnable: bool, draft: DraftProcess) -> None:
    for child in container.children_in(BPMN_MODEL_NS):
        if child.local == "sequenceFlow":
            _read_flow(child, scope, draft)
        elif child.local in SUPPORTED_NODES or child.local in REFUSED_NODES:
            _read_node(child, scope, runnable, draft)
        elif child.local in REFUSED_ACTIVITY_CHILDREN:
            continue  # loop characteristics of a subprocess: reported with the subprocess itself
        elif child.local not in DESCRIPTIVE_IN_SCOPE:
            draft.report(child, f"{child.local} is not supported by this engine")


def _read_node(element: XmlElement, scope: str | None, runnable: bool, draft: DraftProcess) -> None:
    node_id = element.get("id")
    if not node_id:
        draft.report(element, f"{element.local} has no id")
        return
    if node_id in draft.nodes or node_id in draft.flows:
        return  # a duplicate id, already reported
    # The start event of an event subprocess follows its own rules (engine.bpmn.event_subprocesses).
    in_event_subprocess = scope is not None and draft.nodes[scope].triggered_by_event
    event_start = element.local == "startEvent" and in_event_subprocess
    refusals = event_start_refusals(element) if event_start else _refusals(element)
    for message in refusals:
        draft.report(element, message)
    kind = None if refusals else SUPPORTED_NODES[element.local]
    node = DraftNode(
        id=node_id,
        element=element,
        scope=scope,
        kind=kind,
        attached_to=element.get("attachedToRef") if element.local == "boundaryEvent" else None,
        triggered_by_event=is_event_subprocess(element),
    )
    _read_extensions(node, draft)
    if kind is not None:
        _read_behaviour(node, draft)
    if event_start:
        node.cancel_activity = is_interrupting(element)
    if node.trigger == "error":
        read_error_variables(node, draft)
    draft.nodes[node_id] = node
    if element.local in CONTAINERS:
        inner_runnable = runnable and kind is not None
        draft.scopes[node_id] = DraftScope(node_id, element, runnable=inner_runnable)
        _read_scope(element, node_id, inner_runnable, draft)


def _refusals(element: XmlElement) -> list[str]:
    """Why the engine cannot run this element; empty when it can."""
    local = element.local
    if local in REFUSED_NODES:
        return [REFUSED_NODES[local]]
    if local in _EVENTS:
        return _event_definition_refusals(element)
    refusals = []
    if SUPPORTED_NODES[local] in ACTIVITIES:
        refusals.extend(_activity_refusals(element))
    return refusals


def _event_definition_refusals(element: XmlElement) -> list[str]:
    definitions = _event_definitions(element)
    allowed = _ALLOWED_DEFINITIONS.get(element.local, ())
    events = _EVENTS[element.local]
    if element.local in _NEED_DEFINITION and not definitions:
        return [f"a {events[:-1]} needs an event definition saying what it waits for"]
    if not definitions or definitions in allowed:
        interrupts = (element.get("cancelActivity") or "true").strip().lower() != "false"
        if definitions == [ERROR_EVENT_DEFINITION] and element.local == "boundaryEvent" and not interrupts:
            return ['error boundary events always interrupt their activity; remove cancelActivity="false"']
        return []
    if "eventDefinitionRef" in definitions:
        return [f"{events} with an eventDefinitionRef are not supported yet"]
    if len(definitions) > 1:
        return [f"{events} with several event definitions ({', '.join(definitions)}) are not supported yet"]
    trigger = definitions[0].removesuffix("EventDefinition")
    supported = _SUPPORTED_TEXT.get(element.local, f"only none {events} are")
    return [f"{trigger} {events} ({definitions[0]}) are not supported yet; {supported}"]


def _event_definitions(element: XmlElement) -> list[str]:
    return [
        child.local
        for child in element.children_in(BPMN_MODEL_NS)
        if child.local.endswith("EventDefinition") or child.local == "eventDefinitionRef"
    ]


def _activity_refusals(element: XmlElement) -> list[str]:
    refusals = [
        REFUSED_ACTIVITY_CHILDREN[child.local]
        for child in element.children_in(BPMN_MODEL_NS)
        if child.local in REFUSED_ACTIVITY_CHILDREN
    ]
    for quantity in ("startQuantity", "completionQuantity"):
        if (element.get(quantity) or "1").strip() != "1":
            refusals.append(f"{quantity} other than 1 is not supported")
    return refusals


def _read_extensions(node: DraftNode, draft: DraftProcess) -> None:
    def report(message: str, line: int | None) -> None:
        draft.report(node.element, message, line=line)

    check_unknown_bpm_attributes(node.element, report)
    check_camunda_extensions(node.element, report)
    if node.kind is NodeKind.SERVICE_TASK:
        node.service = read_service_task(node.element, report)
    elif node.local in MESSAGE_THROWERS:
        _read_message_sender(node, report)
    elif node.kind is NodeKind.USER_TASK:
        node.user_task = read_user_task(node.element, report)
    elif node.local not in ("serviceTask", "userTask"):
        check_no_extension_children(node.element, report)


def _read_behaviour(node: DraftNode, draft: DraftProcess) -> None:
    element = node.element
    node.default_flow = element.get("default") or None
    node.for_compensation = (element.get("isForCompensation") or "").strip().lower() == "true"
    if node.kind in (
        NodeKind.START_EVENT,
        NodeKind.END_EVENT,
        NodeKind.BOUNDARY_EVENT,
        NodeKind.INTERMEDIATE_CATCH_EVENT,
        NodeKind.INTERMEDIATE_THROW_EVENT,
    ):
        definitions = [c for c in element.children_in(BPMN_MODEL_NS) if c.local.endswith("EventDefinition")]
        node.terminate = any(d.local == TERMINATE_EVENT_DEFINITION for d in definitions)
        node.cancel_activity = (element.get("cancelActivity") or "true").strip().lower() != "false"
        errors = [d for d in definitions if d.local == ERROR_EVENT_DEFINITION]
        timers = [d for d in definitions if d.local == TIMER_EVENT_DEFINITION]
        messages = [d for d in definitions if d.local == MESSAGE_EVENT_DEFINITION]
        signals = [d for d in definitions if d.local == SIGNAL_EVENT_DEFINITION]
        if errors:
            node.trigger = "error"
            node.error_code = _error_code(element, errors[0], draft)
        elif timers:
            node.trigger = "timer"
            node.timer = _timer(element, timers[0], draft)
        elif messages:
            _read_message(node, messages[0].get("messageRef"), messages[0].line, draft)
        elif signals:
            _read_signal(node, signals[0], draft)
        _read_compensation_or_cancel(node, definitions)
        read_escalation(node, definitions, draft)
        if node.trigger != "message" and (node.service is not None or node.payload is not None):
            draft.report(element, f"bpm:type and bpm:payload belong to message {_EVENTS[node.local]} only")
            node.service = node.payload = None
    elif node.kind in (NodeKind.RECEIVE_TASK, NodeKind.SEND_TASK):
        _read_message(node, element.get("messageRef"), element.line, draft)
    elif node.kind is NodeKind.SCRIPT_TASK:
        _read_script(node, draft)


def _read_compensation_or_cancel(node: DraftNode, definitions: list[XmlElement]) -> None:
    """Compensation events (engine/runtime/behaviours/compensation.py) and cancel events."""
    if any(d.local == CANCEL_EVENT_DEFINITION for d in definitions):
        node.trigger = "cancel"
    compensations = [d for d in definitions if d.local == COMPENSATE_EVENT_DEFINITION]
    if not compensations:
        return
    node.trigger = "compensate"
    node.activity_ref = (compensations[0].get("activityRef") or "").strip() or None
    wait = (compensations[0].get("waitForCompletion") or "true").strip().lower()
    node.wait_for_completion = wait != "false"


def _read_associations(process: XmlElement, draft: DraftProcess) -> None:
    """Associations anywhere in the process: a compensation boundary event names its handler so."""
    for element in process.iter():
        if element.namespace == BPMN_MODEL_NS and element.local == "association":
            source, target = element.get("sourceRef") or "", element.get("targetRef") or ""
            draft.associations.append((source.strip(), target.strip(), element))


def _timer(element: XmlElement, definition: XmlElement, draft: DraftProcess) -> tuple[str, str] | None:
    """(kind, ISO-8601 text) of a timerEventDefinition, checked by engine.timers."""
    specs = [c for c in definition.children_in(BPMN_MODEL_NS) if c.local in _TIMER_KINDS]
    if len(specs) != 1:
        draft.report(
            element,
            "a timer needs exactly one of timeDate, timeDuration or timeCycle",
            line=definition.line,
        )
        return None
    kind, text = _TIMER_KINDS[specs[0].local], specs[0].text.strip()
    if "${" in text or "#{" in text:
        draft.report(element, "expressions in timer definitions are not supported yet", line=specs[0].line)
        return None
    try:
        parse_timer(kind, text)
    except TimerSpecError as error:
        draft.report(element, f"{specs[0].local} '{text}' is not valid: {error.message}", line=specs[0].line)
        return None
    return kind, text


def _read_signal(node: DraftNode, definition: XmlElement, draft: DraftProcess) -> None:
    node.trigger = "signal"
    ref = (definition.get("signalRef") or "").strip()
    if ref not in draft.signal_names:
        known = ", ".join(sorted(draft.signal_names)) or "none"
        what = f"signalRef '{ref}' names no <signal> element of this file" if ref else "no signalRef"
        draft.report(node.element, f"{what} (signals: {known})", line=definition.line)
        return
    node.message_name = draft.signal_names[ref]


def _read_message(node: DraftNode, ref: str | None, line: int, draft: DraftProcess) -> None:
    """The message an event or task waits for, starts with or sends, and its correlation key.

    A sender with a handler (bpm:type) needs no messageRef: its handler does the sending.
    """
    node.trigger = "message"
    ref = (ref or "").strip()
    if not ref and node.service is not None:
        return
    if not ref:
        verb = "send" if node.local in MESSAGE_THROWERS else _MESSAGE_VERBS.get(node.local, "wait for")
        draft.report(node.element, f"no messageRef: which message does it {verb}?", line=line)
    elif ref not in draft.message_names:
        known = ", ".join(sorted(draft.message_names)) or "none"
        draft.report(
            node.element,
            f"messageRef '{ref}' names no <message> element of this file (messages: {known})",
            line=line,
        )
    else:
        node.message_name = draft.message_names[ref]
    key = bpm_attributes(node.element).get("correlationKey", "").strip()
    if not key:
        return
    try:
        compile_expression(key)
    except ExpressionError as error:
        draft.report(node.element, f"bpm:correlationKey is not a valid expression: {error.message}")
        return
    node.correlation_key = key[2:-1].strip() if key.startswith(("${", "#{")) else key


def _read_message_sender(node: DraftNode, report: Report) -> None:
    """A send task or message throw/end event: its handler (bpm:type), else its payload.

    With a handler the message goes out through it, as a job like a service task's; without
    one the engine publishes the message itself (engine.store.outbox).
    """
    attributes = bpm_attributes(node.element)
    if (attributes.get("type") or "").strip():
        node.service = read_service_task(node.element, report)
        for name in ("correlationKey", "payload"):
            if name in attributes:
                report(f"bpm:{name} has no effect when a handler (bpm:type) sends the message", None)
        return
    check_java_delegates(node.element, report)
    check_no_extension_children(node.element, report)
    if "retry" in attributes:
        report("bpm:retry needs a handler (bpm:type); without one the engine sends the message", None)
    if "payload" not in attributes:
        return
    names = tuple(name.strip() for name in attributes["payload"].split(","))
    bad = [name for name in names if not name.isidentifier()]
    if bad or not names:
        report(
            f"bpm:payload '{attributes['payload']}' must be a comma-separated list of variable names",
            None,
        )
        return
    node.payload = names


def _error_code(element: XmlElement, definition: XmlElement, draft: DraftProcess) -> str | None:
    """The errorCode an errorEventDefinition throws or catches; None without an errorRef."""
    ref = (definition.get("errorRef") or "").strip()
    if not ref:
        return None
    if ref not in draft.error_codes:
        known = ", ".join(sorted(draft.error_codes)) or "none"
        draft.report(
            element,
            f"errorRef '{ref}' names no <error> element of this file (errors: {known})",
            line=definition.line,
        )
        return None
    return draft.error_codes[ref]


def _read_script(node: DraftNode, draft: DraftProcess) -> None:
    element = node.element
    script_format = (element.get("scriptFormat") or "").strip()
    if script_format and script_format.lower() != "expression":
        draft.report(
            element,
            f"script format '{script_format}' is not supported; scripts are lines of `name = expression` "
            'in the engine\'s expression language (scriptFormat="expression" or none)',
        )
    if any(name.endswith("}resource") for name in element.attributes):
        draft.report(element, "external script resources are not supported; write the script in the model")
    bodies = [child for child in element.children_in(BPMN_MODEL_NS) if child.local == "script"]
    if not bodies or not bodies[0].text.strip():
        draft.report(element, "script task has no script")
        return
    # Models indent scripts to fit the XML around them: keep the script dedented without its
    # outer blank lines, and point errors at the file's line, not the script's.
    written = textwrap.dedent(bodies[0].text)
    node.script = written.strip("\n")
    first_line = bodies[0].line + len(written) - len(written.lstrip("\n"))
    try:
        compile_script(node.script)
    except ExpressionError as error:
        # The message starts with "line N:", N counted within the script.
        line = first_line + (error.line - 1 if error.line else 0)
        draft.report(element, f"the script is not valid: {error.message}", line=line)


def _read_flow(element: XmlElement, scope: str | None, draft: DraftProcess) -> None:
    flow_id = element.get("id")
    if not flow_id:
        draft.report(element, "sequenceFlow has no id")
        return
    if flow_id in draft.nodes or flow_id in draft.flows:
        return  # a duplicate id, already reported
    flow = DraftFlow(
        id=flow_id,
        element=element,
        scope=scope,
        source=element.get("sourceRef") or None,
        target=element.get("targetRef") or None,
    )
    conditions = [
        child for child in element.children_in(BPMN_MODEL_NS) if child.local == "conditionExpression"
    ]
    if conditions:
        _read_condition(flow, conditions[0], draft)
    draft.flows[flow_id] = flow


def _read_condition(flow: DraftFlow, condition: XmlElement, draft: DraftProcess) -> None:
    flow.has_condition = True
    flow.condition_line = condition.line
    language = (condition.get("language") or "").strip()
    text = condition.text.strip()
    if language and language.lower() != "expression":
        draft.report(
            flow.element,
            f"condition language '{language}' is not supported; write conditions in the engine's "
            "expression language (no language attribute)",
            line=condition.line,
        )
    elif not text:
        draft.report(flow.element, "the condition is empty", line=condition.line)
    else:
        try:
            compile_expression(text)
        except ExpressionError as error:
            message = f"the condition is not a valid expression: {error.message}"
            draft.report(flow.element, message, line=condition.line)
            return
        # It compiled, so a leading ${ (or #{) is closed by the last character.
        flow.condition = text[2:-1].strip() if text.startswith(("${", "#{")) else text
