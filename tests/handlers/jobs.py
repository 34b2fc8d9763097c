"""Building the JobContext a handler receives, as the engine would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.handlers.base import FieldValue, JobContext


def job(
    fields: Mapping[str, FieldValue], variables: Mapping[str, Any] | None = None, **ids: Any
) -> JobContext:
    return JobContext(
        instance_id=ids.get("instance_id", 7),
        job_id=ids.get("job_id", 42),
        node_id=ids.get("node_id", "runTool"),
        idempotency_key=ids.get("idempotency_key", "job-42-key"),
        fields=fields,
        variables=variables or {},
    )
