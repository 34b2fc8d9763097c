"""Who a new user task is for, and when it is due: the model's `${...}` expressions evaluated.

`bpm:assignee="${initiator}"` or `bpm:candidateGroups="${team}, managers"` are evaluated with
the instance's variables at the moment the task opens (as Camunda does); a candidate item that
is one whole `${...}` may also yield a list of names. `bpm:dueDate` is an ISO-8601 duration
(P2D: two days after the task opened) or date-time, stored resolved as UTC ISO text so
inboxes can sort by it.

An expression that fails (a variable that is not set) must not stop the process: the part
is left empty (an unassigned task stays in its candidates' queue, superusers always see it)
and a warning names the task and the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engine.bpmn.graph import UserTaskDefinition
from engine.expressions import ExpressionError, compile_expression, render_template
from engine.timers import TimerSpecError, parse_timer

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Assignment:
    assignee: str
    candidate_users: list[str]
    candidate_groups: list[str]
    due_date: str


def assign(
    definition: UserTaskDefinition, variables: Mapping[str, Any], now: datetime, *, where: str
) -> Assignment:
    """The task's assignment, evaluated; `where` names the task in warnings."""
    assignees = _names([definition.assignee] if definition.assignee else [], variables, f"{where} assignee")
    return Assignment(
        assignee=assignees[0] if len(assignees) == 1 else "",
        candidate_users=_names(definition.candidate_users, variables, f"{where} candidateUsers"),
        candidate_groups=_names(definition.candidate_groups, variables, f"{where} candidateGroups"),
        due_date=_due_date(definition.due_date, variables, now, where),
    )


def _names(items: Iterable[str], variables: Mapping[str, Any], what: str) -> list[str]:
    names: list[str] = []
    for item in items:
        try:
            value = _evaluate(item, variables)
        except ExpressionError as error:
            logger.warning("%s: %r could not be evaluated, left empty: %s", what, item, error)
            continue
        values = value if isinstance(value, list) else str(value or "").split(",")
        names.extend(text for text in (str(name).strip() for name in values if name is not None) if text)
    return list(dict.fromkeys(names))


def _evaluate(item: str, variables: Mapping[str, Any]) -> Any:
    """One whole `${expr}` keeps its value (a list stays a list); anything else is text."""
    stripped = item.strip()
    if stripped.startswith("${") and stripped.endswith("}") and stripped.count("${") == 1:
        return compile_expression(stripped).evaluate(variables)
    return render_template(item, variables)


def _due_date(text: str | None, variables: Mapping[str, Any], now: datetime, where: str) -> str:
    if not text:
        return ""
    try:
        rendered = str(_evaluate(text, variables) or "").strip()
        if not rendered:
            return ""
        kind = "duration" if rendered.upper().startswith("P") else "date"
        return parse_timer(kind, rendered).first_due(now).astimezone(UTC).isoformat(timespec="seconds")
    except (ExpressionError, TimerSpecError) as error:
        logger.warning("%s dueDate: %r could not be read, left empty: %s", where, text, error)
        return ""
