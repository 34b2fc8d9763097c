"""Compensation: undoing completed work in reverse order, each completion exactly once.

Recording. When an activity that has a compensation boundary event completes, a record is kept
(`compensation_recorded`), one per completion, so an activity completed three times in a loop
is undone three times. A subprocess that completes with such records inside gets a record of
its own; its inner records point at its token (`parent`), which is how nesting is kept after
its scope is gone. A subprocess left through an interrupting boundary event (the Saga: an
error caught on its boundary) is recorded too, as `interrupted`: its own handler never runs,
but the work completed inside it can still be undone from the enclosing scope. Camunda 7
forgets that inner work; the Saga pattern needs it.

Triggering. A compensation throw or end event compensates the records of its own scope (the
enclosing subprocess, or the process): all of them, or with activityRef those of one activity.
They run newest first; a subprocess's record expands into its inner records, again newest
first, unless the subprocess has a handler of its own, which then replaces them. The records
are consumed in the same event (`compensation_triggered`) that plans the run, so a second
throw never undoes anything twice, and because the kernel only changes state through events
that commit together, a crash or a retried command cannot run a handler twice either.

Running. The event's token opens a compensation scope (like a subprocess) and the handlers run
in it one at a time: each is a normal activity (a service task handler is a job for a worker;
a failing one raises an incident that waits for a retry, never a silent skip). The log shows
`compensation_started` / `compensation_completed` around each handler. When the last one has
finished, the scope completes and the event's token moves on (intermediate throw event),
ends (end event), or, for a cancel end event, the transaction is left through its cancel
boundary event. With waitForCompletion="false" a throw event's token moves on at once and a
second token at the event waits for the handlers instead, so the enclosing scope still cannot
complete before its compensation has.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind, ProcessGraph
from engine.runtime.events import EventType
from engine.runtime.state import CompensationRecord, Token, TokenStatus

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution

_SUBPROCESSES = frozenset({NodeKind.SUB_PROCESS, NodeKind.TRANSACTION})
#: What the event's token does when its compensation finished.
_LEAVE, _END, _CANCEL = "leave", "end", "cancel"


def compensation_handler(graph: ProcessGraph, activity: Node) -> str | None:
    """The handler associated with the activity's compensation boundary event, if it has one."""
    for boundary_id in activity.boundary_events:
        boundary = graph.node(boundary_id)
        if boundary.trigger == "compensate":
            return boundary.compensation_handler
    return None


def compensation_event_subprocess(graph: ProcessGraph, activity: Node) -> str | None:
    """The event subprocess with a compensation start event inside subprocess `activity`."""
    from engine.runtime.behaviours.event_subprocesses import event_subprocesses_of

    if activity.kind not in _SUBPROCESSES:
        return None
    found = [
        sub.id for sub, start in event_subprocesses_of(graph, activity.id) if start.trigger == "compensate"
    ]
    return found[0] if found else None


def handler_of(graph: ProcessGraph, activity: Node) -> str | None:
    """What runs when `activity` is compensated: its boundary event's handler, else its
    compensation event subprocess (None: a subprocess whose inner work is undone instead)."""
    return compensation_handler(graph, activity) or compensation_event_subprocess(graph, activity)


# -- recording -------------------------------------------------------------------------------


def record_completion(execution: Execution, token: Token, node: Node) -> None:
    """`node` just completed for `token`: keep a record if compensation could undo it."""
    if node.for_compensation:
        return  # a handler that ran is not itself undone
    has_handler = handler_of(execution.graph, node) is not None
    if has_handler or (node.kind in _SUBPROCESSES and _inner_records(execution, token.id)):
        _record(execution, token, node, interrupted=False)


def keep_compensable_work(execution: Execution, token: Token) -> None:
    """An activity is about to be interrupted: keep what was completed inside it undoable.

    Nested subprocesses still running inside it are kept first (they hold the older work).
    """
    if token.status is not TokenStatus.IN_SCOPE:
        return
    child = next((s.id for s in execution.state.scopes.values() if s.token == token.id), None)
    if child is None or child in execution.state.compensation_runs:
        return  # a compensation scope: what it was undoing is gone already
    for inner in execution.state.tokens_in_scope(child):
        keep_compensable_work(execution, inner)
    if _inner_records(execution, token.id):
        _record(execution, token, execution.graph.node(token.node), interrupted=True)


def _record(execution: Execution, token: Token, node: Node, *, interrupted: bool) -> None:
    execution.emit(
        EventType.COMPENSATION_RECORDED,
        node.id,
        token.id,
        record=execution.state.next_compensation,
        parent=execution.state.scopes[token.scope].token,
        interrupted=interrupted,
    )


def _inner_records(execution: Execution, parent: int | None) -> list[CompensationRecord]:
    """Records completed directly inside the subprocess run by token `parent`, newest first."""
    records = [r for r in execution.state.compensations.values() if r.parent == parent]
    return sorted(records, key=lambda record: record.id, reverse=True)


# -- triggering ------------------------------------------------------------------------------


def throw_compensation(execution: Execution, token: Token, node: Node) -> None:
    """A compensation intermediate throw or end event: undo the work of its scope."""
    owner = token
    if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT and not node.wait_for_completion:
        # A second token waits for the handlers, the event's own token moves on now.
        detached = execution.arrive(node.id, token.scope, previous=token.id, flow=None, run=False)
        owner = execution.state.tokens[detached]
        execution.leave(token)
        _start(execution, owner, node, activity=node.activity_ref, then=_END)
        return
    then = _LEAVE if node.kind is NodeKind.INTERMEDIATE_THROW_EVENT else _END
    _start(execution, owner, node, activity=node.activity_ref, then=then)


def cancel_end_event(execution: Execution, token: Token, node: Node) -> None:
    """A cancel end event: stop the transaction, undo its completed work, leave it cancelled."""
    for other in execution.state.tokens_in_scope(token.scope):
        keep_compensable_work(execution, other)  # work completed inside a subprocess still running
    execution.terminate_scope(token.scope, reason=f"cancel end event '{node.id}'", keep=token.id)
    _start(execution, token, node, activity=None, then=_CANCEL)


def _start(execution: Execution, owner: Token, event: Node, *, activity: str | None, then: str) -> None:
    parent = _compensated_parent(execution, execution.state.scopes[owner.scope].token)
    handlers, consumed = _plan(execution, parent, activity)
    scope = execution.state.next_scope
    execution.emit(EventType.SCOPE_STARTED, event.id, owner.id, scope=scope)
    execution.emit(
        EventType.COMPENSATION_TRIGGERED,
        event.id,
        owner.id,
        scope=scope,
        handlers=handlers,
        consumed=consumed,
        then=then,
    )
    _run_next(execution, scope)


def _plan(
    execution: Execution, parent: int | None, activity: str | None
) -> tuple[list[list[object]], list[int]]:
    """The handlers to run ([record, activity], in order) and every record they use up."""
    handlers: list[list[object]] = []
    consumed: list[int] = []

    def expand(record: CompensationRecord, *, run_inner: bool) -> None:
        consumed.append(record.id)
        node = execution.graph.node(record.node)
        handler = None if record.interrupted else handler_of(execution.graph, node)
        undoes_inner = handler is not None and handler != compensation_handler(execution.graph, node)
        if handler is not None and run_inner:
            # A compensation event subprocess undoes the inner work itself (its own throw event
            # finds it through the subprocess's token), so that work stays recorded.
            handlers.append([record.id, record.node, record.token if undoes_inner else None])
            if undoes_inner:
                return
        for inner in _inner_records(execution, record.token):
            # A subprocess with its own handler replaces the compensation of its inner work.
            expand(inner, run_inner=run_inner and handler is None)

    for record in _inner_records(execution, parent):
        if activity is None or record.node == activity:
            expand(record, run_inner=True)
    return handlers, consumed


# -- running ---------------------------------------------------------------------------------


def scope_emptied(execution: Execution, scope: int) -> bool:
    """The last token of `scope` ended: True when it is a compensation scope (handled here)."""
    run = execution.state.compensation_runs.get(scope)
    if run is None:
        return False
    if run.running is not None:
        record, activity, handler_token = run.running[:3]
        handler = handler_of(execution.graph, execution.graph.node(activity))
        execution.emit(
            EventType.COMPENSATION_COMPLETED,
            handler,
            handler_token,
            scope=scope,
            record=record,
            activity=activity,
        )
    _run_next(execution, scope)
    return True


def _run_next(execution: Execution, scope: int) -> None:
    run = execution.state.compensation_runs[scope]
    if not run.pending:
        _finish(execution, scope)
        return
    record, activity, activity_token = run.pending[0]
    handler = handler_of(execution.graph, execution.graph.node(activity)) or ""
    owner = execution.state.scopes[scope].token
    handler_token = execution.arrive(handler, scope, previous=owner, flow=None)
    execution.emit(
        EventType.COMPENSATION_STARTED,
        handler,
        handler_token,
        scope=scope,
        record=record,
        activity=activity,
        activity_token=activity_token,
    )


def _compensated_parent(execution: Execution, parent: int | None) -> int | None:
    """Whose work a throw in the scope of token `parent` compensates.

    Normally that scope's own; but inside a compensation event subprocess it is the work of
    the completed subprocess being compensated, which the run recorded as `activity_token`.
    """
    for run in execution.state.compensation_runs.values():
        if run.running is not None and run.running[2] == parent and run.running[3] is not None:
            return int(run.running[3])
    return parent


def _finish(execution: Execution, scope: int) -> None:
    """Every handler has run: the compensation scope completes and its token carries on."""
    from engine.runtime.behaviours.errors import interrupt

    then = execution.state.compensation_runs[scope].then
    owner = execution.state.tokens[execution.state.scopes[scope].token or 0]
    event = execution.graph.node(owner.node)
    execution.emit(EventType.SCOPE_COMPLETED, event.id, owner.id, scope=scope)
    if then == _LEAVE:
        execution.leave(owner)
        return
    if then == _END:
        execution.pass_through(owner, event, [])
        return
    # A cancel end event: the transaction ends cancelled and is left through its cancel boundary.
    transaction = execution.state.tokens[execution.state.scopes[owner.scope].token or 0]
    execution.emit(EventType.NODE_COMPLETED, event.id, owner.id)
    boundary = next(
        b
        for b in execution.graph.node(transaction.node).boundary_events
        if execution.graph.node(b).trigger == "cancel"
    )
    interrupt(execution, transaction, reason=f"cancelled by cancel end event '{event.id}'")
    execution.arrive(boundary, transaction.scope, previous=transaction.id, flow=None)
