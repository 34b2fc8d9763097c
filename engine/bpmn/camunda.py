"""Camunda 7 extensions (namespace CAMUNDA_NS, any prefix), read so that Camunda Modeler models run.

Teams leaving Camunda 7 bring models whose user tasks, forms and retry policies are written
as `camunda:` attributes and elements. The ones with a meaning in this engine are mapped onto
ours (`camunda:assignee` -> the user task's assignee, `camunda:formField` -> FormField,
`camunda:failedJobRetryTimeCycle` -> the service task's retry cycle). The ones that name code
this engine cannot run (listeners, input/output mappings, connectors, Java delegates) are
reported as problems, because silently skipping them would change what the model does.
Everything else (`camunda:asyncBefore`, `camunda:properties`, history settings...) changes
nothing here and is accepted as it is; docs/modeler.md lists each case.
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from engine.bpmn.graph import FormField
from engine.bpmn.safe_xml import XmlElement
from engine.bpmn.support import BPMN_MODEL_NS

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

#: Reports a problem about the element being read; `line` points inside it when given.
Report = Callable[[str, int | None], None]

#: camunda: user task attributes that mean the same as our bpm: attributes of the same name.
USER_TASK_ATTRIBUTES = ("assignee", "candidateGroups", "candidateUsers", "dueDate", "formKey")

#: Camunda form field types this engine's forms know (Camunda has no double; ours has).
FORM_FIELD_TYPES = frozenset({"string", "long", "boolean", "date", "enum"})

#: camunda:constraint names kept as FormField constraints; `required` becomes FormField.required.
#: Each needs a config value, except readonly.
FORM_CONSTRAINTS = frozenset({"min", "max", "minlength", "maxlength", "pattern", "readonly"})

#: Extension elements that run code or move data when Camunda executes the element, with why
#: they cannot simply be skipped here.
REFUSED_ELEMENTS = MappingProxyType(
    {
        "executionListener": "execution listeners run Java or script code, which this engine does not run",
        "taskListener": "task listeners run Java or script code, which this engine does not run",
        "connector": 'Camunda connectors are not supported; use bpm:type="http" for HTTP calls',
    }
)


def camunda_attributes(element: XmlElement) -> dict[str, str]:
    prefix = f"{{{CAMUNDA_NS}}}"
    return {
        name[len(prefix) :]: value for name, value in element.attributes.items() if name.startswith(prefix)
    }


def camunda_extensions(element: XmlElement) -> list[XmlElement]:
    """The camunda: elements inside the element's <extensionElements>."""
    return [
        child
        for container in element.children
        if container.namespace == BPMN_MODEL_NS and container.local == "extensionElements"
        for child in container.children
        if child.namespace == CAMUNDA_NS
    ]


def check_camunda_extensions(element: XmlElement, report: Report) -> None:
    """Report the camunda: extension elements of a flow node that would not run here."""
    for child in camunda_extensions(element):
        if child.local in REFUSED_ELEMENTS:
            report(f"camunda:{child.local} is not supported: {REFUSED_ELEMENTS[child.local]}", child.line)
        elif child.local == "inputOutput" and child.children:
            report(
                "camunda:inputOutput (input/output variable mappings) is not supported; "
                "the task sees and sets the instance's variables directly",
                child.line,
            )
        elif child.local == "formData" and element.local != "userTask":
            report(f"camunda:formData is only read on user tasks, not on a {element.local}", child.line)


def user_task_attributes(element: XmlElement) -> dict[str, str]:
    """The camunda: user task attributes the element has, under our attribute names."""
    attributes = camunda_attributes(element)
    return {name: attributes[name] for name in USER_TASK_ATTRIBUTES if name in attributes}


def retry_time_cycle(element: XmlElement) -> tuple[str, int] | None:
    """(text, line) of the element's camunda:failedJobRetryTimeCycle, if it has one."""
    for child in camunda_extensions(element):
        if child.local == "failedJobRetryTimeCycle":
            return child.text.strip(), child.line
    return None


def read_form_fields(element: XmlElement, report: Report) -> list[tuple[FormField, int]]:
    """(field, line) of each field of the element's camunda:formData, in document order.

    A field with a problem is reported and left out.
    """
    fields = []
    for form_data in camunda_extensions(element):
        if form_data.local != "formData":
            continue
        for child in form_data.children:
            if child.namespace == CAMUNDA_NS and child.local == "formField":
                form_field = _read_form_field(child, report)
                if form_field is not None:
                    fields.append((form_field, child.line))
            else:
                message = f"camunda:formData may only contain camunda:formField, found {child.local}"
                report(message, child.line)
    return fields


def _read_form_field(element: XmlElement, report: Report) -> FormField | None:
    field_id = (element.get("id") or "").strip()
    if not field_id:
        report("camunda:formField has no id", element.line)
        return None
    problems: list[tuple[str, int | None]] = []
    field_type = (element.get("type") or "string").strip()
    if field_type not in FORM_FIELD_TYPES:
        problems.append(
            (
                f"form field '{field_id}' has type '{field_type}', which this engine's forms do not "
                f"know (use one of {', '.join(sorted(FORM_FIELD_TYPES))})",
                element.line,
            )
        )
    values: list[tuple[str, str]] = []
    required = False
    constraints: list[tuple[str, str]] = []
    for child in element.children:
        if child.namespace != CAMUNDA_NS:
            continue
        if child.local == "value":
            value_id = (child.get("id") or "").strip()
            if value_id:
                values.append((value_id, child.get("name") or value_id))
            else:
                problems.append((f"form field '{field_id}': camunda:value has no id", child.line))
        elif child.local == "validation":
            for constraint in child.children:
                name = (constraint.get("name") or "").strip()
                config = (constraint.get("config") or "").strip()
                if name == "required":
                    required = True
                elif name in FORM_CONSTRAINTS and (config or name == "readonly"):
                    constraints.append((name, config))
                elif name in FORM_CONSTRAINTS:
                    message = f"form field '{field_id}': constraint '{name}' has no config"
                    problems.append((message, constraint.line))
                else:
                    known = ", ".join(sorted(FORM_CONSTRAINTS | {"required"}))
                    problems.append(
                        (
                            f"form field '{field_id}': constraint '{name}' is not supported "
                            f"(custom validators do not run here; supported: {known})",
                            constraint.line,
                        )
                    )
        # camunda:properties only describe the field to Camunda's own forms: nothing to run.
    if field_type == "enum" and not values:
        problems.append((f"form field '{field_id}' of type enum has no camunda:value", element.line))
    for message, line in problems:
        report(message, line)
    if problems:
        return None
    return FormField(
        id=field_id,
        label=element.get("label") or field_id,
        type=field_type,
        required=required,
        default=element.get("defaultValue"),
        values=tuple(values),
        constraints=tuple(constraints),
    )
