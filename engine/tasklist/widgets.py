"""HTML inputs for form fields: the browser gets the same constraints the server checks.

Each FieldSpec becomes one input whose constraint attributes (required, min, max, minlength,
maxlength, pattern) come from the field definition, so the browser's own validation and the
server's (engine.forms) agree; the server still checks everything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.forms import FieldSpec

_INPUT_TYPES = {"string": "text", "long": "number", "double": "number", "date": "date"}


@dataclass(frozen=True, slots=True)
class Widget:
    id: str
    label: str
    #: "input", "checkbox" or "select": which template branch draws it.
    kind: str
    input_type: str = "text"
    value: str = ""
    checked: bool = False
    options: list[tuple[str, str, bool]] = field(default_factory=list)
    #: Constraint attributes, name -> value ("" for boolean attributes such as required).
    attributes: dict[str, str] = field(default_factory=dict)
    readonly: bool = False
    error: str = ""
    #: Constraints in words, shown under the field (e.g. "between 1 and 30").
    hint: str = ""


def widget_for(spec: FieldSpec, value: Any, error: str = "") -> Widget:
    attributes = _constraint_attributes(spec)
    common = {
        "id": spec.id,
        "label": spec.label,
        "readonly": spec.readonly,
        "error": error,
        "hint": _hint(spec),
    }
    if spec.type == "boolean":
        attributes.pop("required", None)  # a required checkbox would have to be ticked; false is an answer
        return Widget(kind="checkbox", checked=value is True, attributes=attributes, **common)
    if spec.type == "enum":
        options = [(option_id, label, value == option_id) for option_id, label in spec.options]
        return Widget(kind="select", options=options, attributes=attributes, **common)
    return Widget(
        kind="input",
        input_type=_INPUT_TYPES.get(spec.type, "text"),
        value=_text(value),
        attributes=attributes,
        **common,
    )


def _constraint_attributes(spec: FieldSpec) -> dict[str, str]:
    attributes: dict[str, str] = {}
    if spec.required:
        attributes["required"] = ""
    if spec.type == "long":
        attributes["step"] = "1"
    elif spec.type == "double":
        attributes["step"] = "any"
    for name, bound in (("min", spec.minimum), ("max", spec.maximum)):
        if bound is not None:
            attributes[name] = str(bound)
    for name, length in (("minlength", spec.min_length), ("maxlength", spec.max_length)):
        if length is not None:
            attributes[name] = str(length)
    if spec.pattern is not None:
        attributes["pattern"] = spec.pattern
    return attributes


def _hint(spec: FieldSpec) -> str:
    parts = []
    if spec.minimum is not None and spec.maximum is not None:
        parts.append(f"between {spec.minimum} and {spec.maximum}")
    elif spec.minimum is not None:
        parts.append(f"at least {spec.minimum}")
    elif spec.maximum is not None:
        parts.append(f"at most {spec.maximum}")
    if spec.min_length is not None:
        parts.append(f"at least {spec.min_length} characters")
    if spec.max_length is not None:
        parts.append(f"at most {spec.max_length} characters")
    if spec.pattern is not None:
        parts.append(f"pattern {spec.pattern}")
    return ", ".join(parts)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)
