"""Checking a form submission: coerce each value to its field's type, then apply constraints.

Both the browser form and the REST API end here, so the server always decides. Values may come
typed (JSON: 5, true) or as text (an HTML form: "5", "true"); the result is typed JSON values.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.expressions.limits import MAX_REGEX_INPUT_LENGTH
from engine.forms.fields import FieldSpec, FormSpec

#: A `long` is a 64-bit integer, as in Camunda; larger numbers would not survive other systems.
LONG_RANGE = (-(2**63), 2**63 - 1)
_INTEGER_TEXT = re.compile(r"[+-]?\d{1,19}")
_TRUE_TEXTS = frozenset({"true", "on"})
_FALSE_TEXTS = frozenset({"false", "off"})


class FormErrors(ValueError):
    """The submission was refused; `errors` maps each offending field id to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{field_id}: {message}" for field_id, message in self.errors.items()))


def validate_submission(form: FormSpec, submission: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values, typed and checked; FormErrors names every field that is wrong.

    A field left out keeps its variable as it is; a field sent empty (None or "") becomes null,
    unless it is required. Names that are not fields of the form, and read-only fields, are
    refused: a person can only set what the form offers.
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in submission:
        field = form.field(name) if isinstance(name, str) else None
        if field is None:
            errors[str(name)] = "is not a field of this form"
        elif field.readonly:
            errors[name] = "is read-only"
    for field in form:
        if field.readonly or (field.id not in submission and not field.required):
            continue
        raw = submission.get(field.id)
        if _is_empty(raw):
            if field.required:
                errors[field.id] = "is required"
            else:
                values[field.id] = None
            continue
        try:
            values[field.id] = check_value(field, raw)
        except ValueError as error:
            errors[field.id] = str(error)
    if errors:
        raise FormErrors(errors)
    return values


def html_submission(form: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """What an HTML form posted, as a submission: an unchecked checkbox is not sent, so it means false."""
    submission: dict[str, Any] = {}
    for field in form:
        if field.readonly:
            continue
        if field.type == "boolean":
            submission[field.id] = str(data.get(field.id, "")).lower() in _TRUE_TEXTS
        else:
            submission[field.id] = data.get(field.id, "")
    return submission


def check_value(field: FieldSpec, value: Any) -> Any:
    """One non-empty value, typed and checked against the field; ValueError says what is wrong."""
    return _check_constraints(field, _coerce(field, value))


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _coerce(field: FieldSpec, value: Any) -> Any:
    match field.type:
        case "string":
            if not isinstance(value, str):
                raise ValueError("must be text")
            return value
        case "long":
            return _long(value)
        case "double":
            return _double(value)
        case "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower() if isinstance(value, str) else None
            if text in _TRUE_TEXTS or text in _FALSE_TEXTS:
                return text in _TRUE_TEXTS
            raise ValueError("must be true or false")
        case "date":
            try:
                return date.fromisoformat(value.strip()).isoformat()
            except (AttributeError, ValueError):
                raise ValueError("must be a date such as 2025-12-31") from None
        case "enum":
            if value not in field.option_ids:
                raise ValueError(f"must be one of: {', '.join(field.option_ids)}")
            return value
    raise ValueError(f"has a type this engine does not know: {field.type}")


def _long(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValueError("must be a whole number")
    if not LONG_RANGE[0] <= value <= LONG_RANGE[1]:
        raise ValueError("is too large for a whole number field")
    return value


def _double(value: Any) -> float | int:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError("must be a number") from None
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError("must be a number")
    return value


def _check_constraints(field: FieldSpec, value: Any) -> Any:
    if field.type == "date":
        _check_range(field, date.fromisoformat(value), "on or after", "on or before")
    elif field.type in ("long", "double"):
        _check_range(field, value, "at least", "at most")
    elif field.type == "string":
        if field.min_length is not None and len(value) < field.min_length:
            raise ValueError(f"must be at least {field.min_length} characters long")
        if field.max_length is not None and len(value) > field.max_length:
            raise ValueError(f"must be at most {field.max_length} characters long")
        if field.pattern is not None:
            # The pattern passed the backtracking guard at deploy time; the length cap bounds the rest.
            if len(value) > MAX_REGEX_INPUT_LENGTH:
                raise ValueError(f"is too long to check (at most {MAX_REGEX_INPUT_LENGTH:,} characters)")
            if not re.fullmatch(field.pattern, value):
                raise ValueError(f"must match the pattern {field.pattern}")
    return value


def _check_range(field: FieldSpec, value: Any, above: str, below: str) -> None:
    if field.minimum is not None and value < field.minimum:
        raise ValueError(f"must be {above} {field.minimum}")
    if field.maximum is not None and value > field.maximum:
        raise ValueError(f"must be {below} {field.maximum}")
