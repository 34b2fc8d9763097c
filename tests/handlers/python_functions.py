"""Functions the python handler tests allow in BPM_PYTHON_HANDLERS (see test_python_handler.py)."""

from __future__ import annotations

from typing import Any

from engine.handlers.base import HandlerError, JobContext


def greet(context: JobContext) -> dict[str, Any]:
    return {
        "greeting": f"Hello, {context.variables['name']}!",
        "seenBy": [context.node_id, context.idempotency_key],
    }


def nothing(context: JobContext) -> dict[str, Any]:
    return {}


def returns_a_list(context: JobContext) -> list[str]:
    return ["not", "variables"]


def returns_a_set(context: JobContext) -> dict[str, Any]:
    return {"tags": {"a", "b"}}


def divides_by_zero(context: JobContext) -> dict[str, Any]:
    return {"ratio": context.variables["total"] / 0}


def refuses_politely(context: JobContext) -> dict[str, Any]:
    raise HandlerError("the customer has no credit left", details="limit 0")


class Billing:
    @staticmethod
    def charge(context: JobContext) -> dict[str, Any]:
        return {"charged": context.variables["amount"]}


NOT_A_FUNCTION = 42


def exits(context: JobContext) -> dict[str, Any]:
    raise SystemExit(3)  # a function must not be able to stop the worker that runs it


def tries_to_change_variables(context: JobContext) -> dict[str, Any]:
    try:
        context.variables["total"] = 0  # type: ignore[index]
        refused = ""
    except TypeError as error:
        refused = type(error).__name__
    return {"copy": dict(context.variables), "refused": refused}
