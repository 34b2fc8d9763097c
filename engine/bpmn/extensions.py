"""Our BPMN extensions (namespace BPM_NS, any prefix): service task handlers and user tasks.

Within our own namespace the reader is strict: an attribute or element it does not know is a
problem, so a typo such as `bpm:retries` is reported at deploy time instead of being ignored.
Camunda 7's user task, form and retry extensions are read too (engine/bpmn/camunda.py). Other
attributes of other engines (Camunda, Activiti, Flowable) are ignored, except the Java
delegate ones on service tasks, which would otherwise silently not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import MappingProxyType

from engine.bpmn import camunda
from engine.bpmn.graph import BPM_NS, FormField, ServiceTaskDefinition, UserTaskDefinition
from engine.bpmn.safe_xml import XmlElement
from engine.bpmn.support import BPMN_MODEL_NS
from engine.expressions import ExpressionError, check_template
from engine.forms import field_problems

#: Reports a problem about the task being read; `line` points inside it when given.
Report = Callable[[str, int | None], None]

_MESSAGE_SENDER = frozenset({"type", "retry", "correlationKey", "payload"})

#: bpm: attributes each element accepts.
ALLOWED_ATTRIBUTES = MappingProxyType(
    {
        "serviceTask": frozenset({"type", "retry"}),
        "userTask": frozenset({"assignee", "candidateGroups", "candidateUsers", "dueDate", "formKey"}),
        # Which instance a message belongs to (see docs/bpmn-support.md, Messages).
        "intermediateCatchEvent": frozenset({"correlationKey"}),
        "boundaryEvent": frozenset({"correlationKey"}),
        "receiveTask": frozenset({"correlationKey"}),
        # Only on the message start event of an event subprocess (checked with event subprocesses).
        "startEvent": frozenset({"correlationKey"}),
        # Message senders: a handler that sends (as on a service task), or the engine sends
        # the message itself with this key and payload (see docs/bpmn-support.md, Messages).
        "sendTask": _MESSAGE_SENDER,
        "intermediateThrowEvent": _MESSAGE_SENDER,
        "endEvent": _MESSAGE_SENDER,
    }
)

FORM_FIELD_TYPES = frozenset({"string", "long", "double", "boolean", "enum", "date"})

#: Engines whose service task attributes name Java code this engine cannot run.
JAVA_ENGINES = MappingProxyType(
    {
        "http://camunda.org/schema/1.0/bpmn": "camunda",
        "http://activiti.org/bpmn": "activiti",
        "http://flowable.org/bpmn": "flowable",
    }
)
JAVA_SERVICE_ATTRIBUTES = ("class", "delegateExpression", "expression", "type")

# ISO-8601 repeating interval with a duration, as the job retry policy reads it: R3/PT10S.
_DURATION = r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
RETRY_CYCLE = re.compile(rf"R\d+/{_DURATION}")


def bpm_attributes(element: XmlElement) -> dict[str, str]:
    prefix = f"{{{BPM_NS}}}"
    return {
        name[len(prefix) :]: value for name, value in element.attributes.items() if name.startswith(prefix)
    }


def check_unknown_bpm_attributes(element: XmlElement, report: Report) -> None:
    allowed = ALLOWED_ATTRIBUTES.get(element.local, frozenset())
    known = frozenset().union(*ALLOWED_ATTRIBUTES.values())
    for name in bpm_attributes(element):
        if name in allowed:
            continue
        if name in known:
            report(f"extension attribute bpm:{name} is not allowed on a {element.local}", None)
        else:
            report(f"unknown extension attribute bpm:{name}", None)


def extension_children(element: XmlElement) -> list[XmlElement]:
    """Our elements inside the element's <extensionElements>; other namespaces are skipped."""
    return [
        child
        for container in element.children
        if container.namespace == BPMN_MODEL_NS and container.local == "extensionElements"
        for child in container.children
        if child.namespace == BPM_NS
    ]


def check_no_extension_children(element: XmlElement, report: Report) -> None:
    for child in extension_children(element):
        report(f"extension element bpm:{child.local} is not allowed in a {element.local}", child.line)


def check_java_delegates(element: XmlElement, report: Report) -> None:
    for namespace, engine in JAVA_ENGINES.items():
        for name in JAVA_SERVICE_ATTRIBUTES:
            if f"{{{namespace}}}{name}" in element.attributes:
                report(f"{engine}:{name} is not supported; use bpm:type to choose a handler", None)


def read_service_task(element: XmlElement, report: Report) -> ServiceTaskDefinition | None:
    check_java_delegates(element, report)
    attributes = bpm_attributes(element)
    handler_type = (attributes.get("type") or "").strip()
    retry = _retry(element, attributes.get("retry"), report)
    fields = _read_fields(element, report)
    if not handler_type:
        report('service task has no bpm:type (the handler that runs it, e.g. bpm:type="cli")', None)
        return None
    return ServiceTaskDefinition(type=handler_type, fields=MappingProxyType(fields), retry=retry)


def _retry(element: XmlElement, ours: str | None, report: Report) -> str | None:
    """bpm:retry, else Camunda's failedJobRetryTimeCycle (same ISO-8601 form), checked."""
    theirs = camunda.retry_time_cycle(element)
    if ours is not None and theirs is not None and ours.strip() != theirs[0]:
        report("bpm:retry and camunda:failedJobRetryTimeCycle disagree; keep one of them", theirs[1])
    if ours is not None:
        retry, what, line = ours.strip(), "bpm:retry", None
    elif theirs is not None:
        retry, what, line = theirs[0], "camunda:failedJobRetryTimeCycle", theirs[1]
    else:
        return None
    if not RETRY_CYCLE.fullmatch(retry):
        report(f"{what} '{retry}' is not an ISO-8601 retry cycle such as R3/PT10S", line)
    return retry


def _read_fields(element: XmlElement, report: Report) -> dict[str, str | tuple[str, ...]]:
    fields: dict[str, str | tuple[str, ...]] = {}
    for child in extension_children(element):
        if child.local != "field":
            report(f"unknown extension element bpm:{child.local} in a service task", child.line)
            continue
        name = (child.get("name") or "").strip()
        if not name:
            report("bpm:field has no name", child.line)
            continue
        if name in fields:
            report(f"bpm:field '{name}' is defined twice", child.line)
            continue
        value = _field_value(name, child, report)
        if value is not None:
            fields[name] = value
    return fields


def _field_value(name: str, field: XmlElement, report: Report) -> str | tuple[str, ...] | None:
    items: list[str] = []
    for child in field.children:
        if child.namespace == BPM_NS and child.local == "item":
            items.append(child.text)  # verbatim: an argv item may be meant to hold spaces
        else:
            report(f"bpm:field '{name}' may only contain bpm:item elements", child.line)
    written_as = [
        form
        for form, present in (
            ("a value attribute", field.get("value") is not None),
            ("text", bool(field.text.strip())),
            ("bpm:item elements", bool(items)),
        )
        if present
    ]
    if len(written_as) > 1:
        report(f"bpm:field '{name}' has both {' and '.join(written_as)}; use one of them", field.line)
        return None
    value: str | tuple[str, ...] = tuple(items) if items else field.get("value") or field.text.strip()
    strings = value if isinstance(value, tuple) else (value,)
    for position, text in enumerate(strings, start=1):
        which = f"bpm:field '{name}' item {position}" if isinstance(value, tuple) else f"bpm:field '{name}'"
        _check_template(text, which, field.line, report)
    return value


def read_user_task(element: XmlElement, report: Report) -> UserTaskDefinition:
    attributes = _user_task_attributes(element, report)
    form_fields: list[FormField] = []
    seen: set[str] = set()
    read: list[tuple[FormField | None, int]] = []
    for child in extension_children(element):
        if child.local != "formField":
            report(f"unknown extension element bpm:{child.local} in a user task", child.line)
            continue
        read.append((_read_form_field(child, report), child.line))
    for form_field, line in camunda.read_form_fields(element, report):
        if form_field.default is not None:
            _check_template(form_field.default, f"form field '{form_field.id}' defaultValue", line, report)
        read.append((form_field, line))
    for form_field, line in read:
        if form_field is None:
            continue
        if form_field.id in seen:
            report(f"form field '{form_field.id}' is defined twice", line)
            continue
        # Constraint names and configs (bounds, lengths, safe patterns), as engine.forms checks them.
        for problem in field_problems(
            field_id=form_field.id,
            field_type=form_field.type,
            values=form_field.values,
            constraints=form_field.constraints,
        ):
            report(problem, line)
        seen.add(form_field.id)
        form_fields.append(form_field)
    return UserTaskDefinition(
        assignee=_optional(attributes.get("assignee")),
        candidate_groups=_comma_list(attributes.get("candidateGroups")),
        candidate_users=_comma_list(attributes.get("candidateUsers")),
        due_date=_optional(attributes.get("dueDate")),
        form_key=_optional(attributes.get("formKey")),
        form_fields=tuple(form_fields),
    )


def _user_task_attributes(element: XmlElement, report: Report) -> dict[str, str]:
    """bpm: user task attributes, completed by the camunda: ones of the same name."""
    ours = bpm_attributes(element)
    theirs = camunda.user_task_attributes(element)
    for name, value in ours.items():
        _check_template(value, f"bpm:{name}", None, report)
    for name, value in theirs.items():
        if name in ours and ours[name].strip() != value.strip():
            report(f"bpm:{name} and camunda:{name} disagree; keep one of them", None)
        elif name not in ours:
            _check_template(value, f"camunda:{name}", None, report)
    return {**theirs, **ours}


def _read_form_field(element: XmlElement, report: Report) -> FormField | None:
    field_id = (element.get("id") or "").strip()
    if not field_id:
        report("bpm:formField has no id", element.line)
        return None
    field_type = (element.get("type") or "string").strip()
    field_problems = _Counter(report)
    if field_type not in FORM_FIELD_TYPES:
        field_problems.report(
            f"form field '{field_id}' has unknown type '{field_type}' "
            f"(use one of {', '.join(sorted(FORM_FIELD_TYPES))})",
            element.line,
        )
    required = (element.get("required") or "false").strip().lower()
    if required not in ("true", "false"):
        field_problems.report(f"form field '{field_id}': required must be true or false", element.line)
    values: list[tuple[str, str]] = []
    constraints: list[tuple[str, str]] = []
    for child in element.children:
        ours = child.local if child.namespace == BPM_NS else None
        key = (child.get("id" if ours == "value" else "name") or "").strip()
        if ours == "value" and key:
            values.append((key, child.get("name") or key))
        elif ours == "constraint" and key:
            constraints.append((key, child.get("config") or ""))
        else:
            field_problems.report(
                f"form field '{field_id}': expected bpm:value with an id or bpm:constraint with a name, "
                f"found {child.local}",
                child.line,
            )
    if field_type == "enum" and not values:
        field_problems.report(f"form field '{field_id}' of type enum has no bpm:value", element.line)
    if values and field_type != "enum":
        field_problems.report(
            f"form field '{field_id}' has bpm:value children but is not an enum", element.line
        )
    default = element.get("defaultValue")
    if default is not None:
        _check_template(default, f"form field '{field_id}' defaultValue", element.line, field_problems.report)
    if field_problems.count:
        return None
    return FormField(
        id=field_id,
        label=element.get("label") or field_id,
        type=field_type,
        required=required == "true",
        default=default,
        values=tuple(values),
        constraints=tuple(constraints),
    )


class _Counter:
    """Passes problems on while counting them, to drop a form field that has any."""

    def __init__(self, report: Report):
        self._report = report
        self.count = 0

    def report(self, message: str, line: int | None) -> None:
        self.count += 1
        self._report(message, line)


def _check_template(text: str, what: str, line: int | None, report: Report) -> None:
    try:
        check_template(text)
    except ExpressionError as error:
        report(f"{what} has a malformed ${{...}} expression: {error.message}", line)


def _optional(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _comma_list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())
