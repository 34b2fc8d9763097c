"""Form field definitions: what each field accepts, read from the JSON a user task stores.

Constraint names follow Camunda 7 (`required`, `readonly`, `min`, `max`, `minlength`,
`maxlength`) plus `pattern`; a model may also say `required="true"` on the field itself. Every
problem in a definition is found at deploy time (`field_problems`, called by the parser), so a
running task never meets a form it cannot check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_REGEX_LENGTH
from engine.expressions.regex_guard import check_regex_is_safe

FIELD_TYPES = frozenset({"string", "long", "double", "boolean", "enum", "date"})
CONSTRAINT_NAMES = frozenset({"required", "readonly", "min", "max", "minlength", "maxlength", "pattern"})

#: Which constraints make sense for which field types (required and readonly fit all).
_TYPED_CONSTRAINTS = {
    "min": frozenset({"long", "double", "date"}),
    "max": frozenset({"long", "double", "date"}),
    "minlength": frozenset({"string"}),
    "maxlength": frozenset({"string"}),
    "pattern": frozenset({"string"}),
}

Bound = int | float | date


class FormDefinitionError(ValueError):
    """A stored form cannot be used; `problems` lists every reason (each names its field)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class FieldSpec:
    id: str
    label: str
    type: str = "string"
    required: bool = False
    #: Shown but not editable; a submission may not change it.
    readonly: bool = False
    #: The model's defaultValue: a template (`${...}`) rendered with the instance's variables.
    default: str | None = None
    #: Enum choices as (id, label) pairs, in the model's order.
    options: tuple[tuple[str, str], ...] = ()
    minimum: Bound | None = None
    maximum: Bound | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(option_id for option_id, _label in self.options)


@dataclass(frozen=True, slots=True)
class FormSpec:
    fields: tuple[FieldSpec, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.fields)

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)

    def field(self, field_id: str) -> FieldSpec | None:
        return next((field for field in self.fields if field.id == field_id), None)


def parse_form(raw_fields: Iterable[Mapping[str, Any]]) -> FormSpec:
    """The form of a task, from its stored JSON fields; FormDefinitionError lists every problem."""
    fields: list[FieldSpec] = []
    problems: list[str] = []
    for raw in raw_fields:
        spec, field_errors = _spec(
            field_id=str(raw.get("id") or ""),
            label=str(raw.get("label") or raw.get("id") or ""),
            field_type=str(raw.get("type") or "string"),
            required=bool(raw.get("required")),
            default=raw.get("default"),
            values=[(str(item["id"]), str(item.get("name") or item["id"])) for item in raw.get("values", ())],
            constraints=[
                (str(item["name"]), str(item.get("config") or "")) for item in raw.get("constraints", ())
            ],
        )
        problems.extend(field_errors)
        fields.append(spec)
    if problems:
        raise FormDefinitionError(problems)
    return FormSpec(tuple(fields))


def field_problems(
    *,
    field_id: str,
    field_type: str,
    values: Iterable[tuple[str, str]],
    constraints: Iterable[tuple[str, str]],
) -> list[str]:
    """Everything wrong with one field's definition, each message naming the field."""
    return _spec(
        field_id=field_id,
        label=field_id,
        field_type=field_type,
        required=False,
        default=None,
        values=list(values),
        constraints=list(constraints),
    )[1]


def _spec(
    *,
    field_id: str,
    label: str,
    field_type: str,
    required: bool,
    default: str | None,
    values: list[tuple[str, str]],
    constraints: list[tuple[str, str]],
) -> tuple[FieldSpec, list[str]]:
    problems: list[str] = []
    where = f"form field '{field_id}'"
    if not field_id:
        problems.append("a form field has no id")
    if field_type not in FIELD_TYPES:
        known = ", ".join(sorted(FIELD_TYPES))
        problems.append(f"{where} has unknown type '{field_type}' (use one of {known})")
    if field_type == "enum" and not values:
        problems.append(f"{where} of type enum has no values to choose from")
    settings: dict[str, Any] = {"required": required, "readonly": False}
    for name, config in constraints:
        if name not in CONSTRAINT_NAMES:
            problems.append(
                f"{where} has unknown constraint '{name}' (use one of {', '.join(sorted(CONSTRAINT_NAMES))})"
            )
            continue
        if name in ("required", "readonly"):
            settings[name] = config.strip().lower() not in ("false", "0", "no")
            continue
        if field_type in FIELD_TYPES and field_type not in _TYPED_CONSTRAINTS[name]:
            problems.append(f"{where}: constraint '{name}' does not apply to a {field_type} field")
            continue
        try:
            settings[name] = _constraint_value(name, config, field_type)
        except ValueError as error:
            problems.append(f"{where}: constraint '{name}' {error}")
    low, high = settings.get("min"), settings.get("max")
    if low is not None and high is not None and low > high:
        problems.append(f"{where}: min {low} is greater than max {high}")
    shortest, longest = settings.get("minlength"), settings.get("maxlength")
    if shortest is not None and longest is not None and shortest > longest:
        problems.append(f"{where}: minlength {shortest} is greater than maxlength {longest}")
    spec = FieldSpec(
        id=field_id,
        label=label or field_id,
        type=field_type,
        required=settings["required"],
        readonly=settings["readonly"],
        default=default,
        options=tuple(values),
        minimum=low,
        maximum=high,
        min_length=shortest,
        max_length=longest,
        pattern=settings.get("pattern"),
    )
    return spec, problems


def _constraint_value(name: str, config: str, field_type: str) -> Any:
    config = config.strip()
    if name == "pattern":
        return _safe_pattern(config)
    if name in ("minlength", "maxlength"):
        if not config.isdigit():
            raise ValueError(f"needs a whole number of characters, not '{config}'")
        return int(config)
    # min / max
    if field_type == "date":
        try:
            return date.fromisoformat(config)
        except ValueError:
            raise ValueError(f"needs a date such as 2025-12-31, not '{config}'") from None
    try:
        return int(config) if field_type == "long" else float(config)
    except ValueError:
        raise ValueError(f"needs a number, not '{config}'") from None


def _safe_pattern(pattern: str) -> str:
    """The pattern, if it compiles and cannot take exponential time (engine.expressions.regex_guard)."""
    if not pattern:
        raise ValueError("needs a regular expression in config")
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ValueError(f"is too long (at most {MAX_REGEX_LENGTH} characters)")
    try:
        check_regex_is_safe(pattern)
        re.compile(pattern)
    except ExpressionError as error:
        # The guard's messages are written for matches(); keep only the reason.
        reason = str(error).split(" refused: ", 1)[-1].removeprefix("matches(): ")
        raise ValueError(f"{pattern!r} cannot be used: {reason}") from None
    except re.error as error:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {error}") from None
    return pattern
