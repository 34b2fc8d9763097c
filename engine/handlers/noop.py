"""The `noop` handler: does nothing, optionally returns fixed variables.

Useful for sketching a process before its real work exists, and for tests and examples:
`<bpm:field name="result" value='{"approved": true}'/>` makes the task set those variables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from engine.handlers.base import FieldValue, JobContext
from engine.handlers.fields import unknown_field_problems

RESULT_FIELD = "result"


class NoopHandler:
    type = "noop"

    def validate(self, fields: Mapping[str, FieldValue]) -> list[str]:
        problems = unknown_field_problems(fields, known=(RESULT_FIELD,))
        if RESULT_FIELD in fields:
            try:
                _parse_result(fields[RESULT_FIELD])
            except ValueError as error:
                problems.append(str(error))
        return problems

    def execute(self, context: JobContext) -> dict[str, Any]:
        if RESULT_FIELD not in context.fields:
            return {}
        return _parse_result(context.fields[RESULT_FIELD])


def _parse_result(raw: FieldValue) -> dict[str, Any]:
    if not isinstance(raw, str):
        raise ValueError(f"field '{RESULT_FIELD}' must be a single value (a JSON object), not a list")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"field '{RESULT_FIELD}' is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise ValueError(f"field '{RESULT_FIELD}' must be a JSON object such as {{\"approved\": true}}")
    return value
