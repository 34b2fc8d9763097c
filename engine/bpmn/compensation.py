"""Rules for compensation and transactions that a process must satisfy before it runs.

A compensation boundary event is not followed by a sequence flow: an *association* points at
its handler, an activity marked isForCompensation that sits outside the sequence flow and runs
only when compensation calls it. Cancel events belong to transaction subprocesses. Each rule
reports at the element that is wrong, so the modeller sees what to fix (engine/runtime/
behaviours/compensation.py runs what passes).
"""

from __future__ import annotations

from engine.bpmn.draft import DraftFlow, DraftNode, DraftProcess
from engine.bpmn.graph import NodeKind
from engine.bpmn.support import ACTIVITIES

_SUBPROCESSES = frozenset({NodeKind.SUB_PROCESS, NodeKind.TRANSACTION})


def check_compensation(
    draft: DraftProcess, outgoing: dict[str, list[DraftFlow]], incoming: dict[str, list[DraftFlow]]
) -> None:
    """Connect compensation boundary events to their handlers and check the rules around them."""
    handled = _connect_handlers(draft, outgoing)
    for node in draft.nodes.values():
        if node.kind is None:
            continue
        if node.for_compensation:
            _check_handler(draft, node, handled, outgoing[node.id] + incoming[node.id])
        if node.trigger == "compensate" and node.activity_ref is not None:
            _check_activity_ref(draft, node)
        if node.trigger == "cancel":
            _check_cancel_event(draft, node)
        if node.kind is NodeKind.START_EVENT and node.trigger == "compensate":
            _check_compensation_event_subprocess(draft, node)


def _connect_handlers(draft: DraftProcess, outgoing: dict[str, list[DraftFlow]]) -> set[str]:
    """Set each compensation boundary event's handler; return the ids of the handlers used."""
    handled: set[str] = set()
    hosts: dict[str, str] = {}
    for node in draft.nodes.values():
        if node.kind is not NodeKind.BOUNDARY_EVENT or node.trigger != "compensate":
            continue
        if outgoing[node.id]:
            draft.report(
                node.element,
                "a compensation boundary event starts no sequence flow; connect it to its handler "
                '(an activity with isForCompensation="true") with an association',
            )
        host = node.attached_to or ""
        if host in hosts:
            draft.report(
                node.element, f"activity '{host}' already has compensation boundary event '{hosts[host]}'"
            )
        hosts[host] = node.id
        targets = [(target, element) for source, target, element in draft.associations if source == node.id]
        if len(targets) != 1:
            found = f"it has {len(targets)}" if targets else "it has none"
            draft.report(
                node.element,
                "a compensation boundary event needs exactly one association to its compensation "
                f"handler; {found}",
            )
            continue
        target_id, association = targets[0]
        handler = draft.nodes.get(target_id)
        if handler is None or handler.kind not in ACTIVITIES or not handler.for_compensation:
            draft.report(
                node.element,
                f"association '{association.get('id') or ''}' points at '{target_id}', which is not an "
                'activity with isForCompensation="true"',
                line=association.line,
            )
        elif handler.scope != node.scope:
            draft.report(
                node.element,
                f"compensation handler '{target_id}' must be in the same scope as its boundary event",
            )
        elif target_id in handled:
            draft.report(node.element, f"compensation handler '{target_id}' already handles another activity")
        else:
            node.compensation_handler = target_id
            handled.add(target_id)
    return handled


def _check_handler(draft: DraftProcess, node: DraftNode, handled: set[str], flows: list[DraftFlow]) -> None:
    if flows:
        draft.report(
            node.element,
            "a compensation handler (isForCompensation) is not part of the sequence flow; remove its "
            f"sequence flows ({', '.join(repr(flow.id) for flow in flows)})",
        )
    if node.id not in handled:
        draft.report(
            node.element,
            "no compensation boundary event is associated with this compensation handler, so it would "
            "never run",
        )


def _check_activity_ref(draft: DraftProcess, node: DraftNode) -> None:
    ref = node.activity_ref or ""
    target = draft.nodes.get(ref)
    if target is None or target.kind not in ACTIVITIES:
        draft.report(node.element, f"activityRef '{ref}' names no activity of this process")
    elif target.scope not in (node.scope, _compensated_scope(draft, node.scope)):
        draft.report(
            node.element, f"activityRef '{ref}' must name an activity in the same scope as this event"
        )
    elif target.kind not in _SUBPROCESSES and not any(
        b.attached_to == ref and b.trigger == "compensate" for b in draft.nodes.values()
    ):
        draft.report(
            node.element,
            f"activityRef '{ref}' names an activity without a compensation boundary event: nothing "
            "to compensate",
        )


def _compensated_scope(draft: DraftProcess, scope: str | None) -> str | None:
    """Inside a compensation event subprocess, the subprocess whose work it undoes."""
    event_subprocess = draft.nodes.get(scope or "")
    if event_subprocess is None or not event_subprocess.triggered_by_event:
        return None
    starts = [n for n in draft.nodes.values() if n.scope == event_subprocess.id and n.local == "startEvent"]
    return event_subprocess.scope if any(start.trigger == "compensate" for start in starts) else None


def _check_compensation_event_subprocess(draft: DraftProcess, start: DraftNode) -> None:
    event_subprocess = draft.nodes[start.scope or ""]
    if event_subprocess.scope is None:
        draft.report(
            start.element,
            "a compensation event subprocess undoes the work of the subprocess it is in; at process "
            "level there is nothing that could compensate it",
        )


def _check_cancel_event(draft: DraftProcess, node: DraftNode) -> None:
    if node.kind is NodeKind.BOUNDARY_EVENT:
        host = draft.nodes.get(node.attached_to or "")
        if host is not None and host.kind is not None and host.kind is not NodeKind.TRANSACTION:
            draft.report(node.element, "a cancel boundary event must be attached to a transaction subprocess")
        return
    transaction = draft.nodes.get(node.scope or "")
    if transaction is None or transaction.kind is not NodeKind.TRANSACTION:
        draft.report(node.element, "a cancel end event must be inside a transaction subprocess")
    elif not any(b.attached_to == transaction.id and b.trigger == "cancel" for b in draft.nodes.values()):
        draft.report(
            node.element,
            f"transaction '{transaction.id}' needs a cancel boundary event for this cancel end event",
        )
