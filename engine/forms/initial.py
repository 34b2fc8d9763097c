"""What a form shows before the person types: the variable's current value, else the default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.expressions import ExpressionError, render_template
from engine.forms.fields import FormSpec
from engine.forms.submission import check_value


def initial_values(form: FormSpec, variables: Mapping[str, Any]) -> dict[str, Any]:
    """Field id -> the value to show; None where there is nothing to show.

    A default that cannot be rendered or does not fit the field is not shown: it is only a
    suggestion, and the person's submission is what gets checked.
    """
    values: dict[str, Any] = {}
    for field in form:
        if field.id in variables:
            values[field.id] = variables[field.id]
            continue
        values[field.id] = None
        if field.default is None:
            continue
        try:
            text = render_template(field.default, variables)
            values[field.id] = check_value(field, text) if text.strip() else None
        except (ExpressionError, ValueError):
            continue
    return values
