"""BPMN escalations: thrown by escalation end and intermediate throw events.

An escalation is caught like a BPMN error (engine.runtime.behaviours.errors.find_catch), from
the inside out: the escalation event subprocesses of the scope it is thrown in, then the
escalation boundary events of the enclosing subprocess, then that scope's event subprocesses,
and so on; at each level an exact escalationCode match wins over a catch-all. Unlike an error,
an escalation is not a failure:

- nobody catching it is fine: it has no effect and the thrower carries on;
- a non-interrupting catcher (a boundary event with cancelActivity="false", an event
  subprocess start with isInterrupting="false") starts its path beside the rest, and the
  thrower carries on too: an intermediate throw event's token leaves by its flows, an end
  event's token ends;
- an interrupting catcher (the default) withdraws its activity, or the event subprocess's
  scope, as an error catcher does, after the thrower's node completes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node, NodeKind
from engine.runtime.events import EventType
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def throw_escalation(execution: Execution, token: Token, node: Node) -> None:
    """`token` reached escalation throw or end event `node`."""
    from engine.runtime.behaviours.errors import find_catch

    caught = find_catch(execution, token, node.error_code, trigger="escalation")
    if caught is not None and caught[1].cancel_activity:
        execution.emit(EventType.NODE_COMPLETED, node.id, token.id, escalation_code=node.error_code)
        _start_catcher(execution, *caught, node.error_code, interrupting=True)
        return
    if caught is not None:
        _start_catcher(execution, *caught, node.error_code, interrupting=False)
    if node.kind is NodeKind.END_EVENT:
        execution.pass_through(token, node, [])
    else:
        execution.leave(token)


def _start_catcher(
    execution: Execution, holder: Token, catcher: Node, code: str | None, *, interrupting: bool
) -> None:
    """Start the catching boundary event of `holder`'s activity, or event subprocess of its scope."""
    from engine.runtime.behaviours.errors import interrupt, keep_caught_error
    from engine.runtime.behaviours.event_subprocesses import start_event_subprocess

    if catcher.kind is NodeKind.START_EVENT:
        subprocess = execution.graph.node(catcher.scope or "")
        reason = f"escalation caught by event subprocess '{subprocess.id}'"
        start_event_subprocess(execution, holder.scope, subprocess, interrupting=interrupting, reason=reason)
    else:
        if interrupting:
            interrupt(execution, holder, reason=f"escalation caught by boundary event '{catcher.id}'")
        execution.arrive(catcher.id, holder.scope, previous=holder.id, flow=None)
    keep_caught_error(execution, catcher, code, "")
