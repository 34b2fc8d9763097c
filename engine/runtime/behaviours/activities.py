"""Tasks: pass-through tasks, script tasks, and the wait states (service and user tasks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.bpmn.graph import Node
from engine.expressions import ExpressionError, compile_script
from engine.runtime.effects import OpenUserTask, ScheduleJob
from engine.runtime.events import EventType
from engine.runtime.state import Token

if TYPE_CHECKING:
    from engine.runtime.kernel import Execution


def pass_activity(execution: Execution, token: Token, node: Node) -> None:
    """Task and manual task: nothing for the engine to do, the token moves on."""
    execution.leave(token)


def script_task(execution: Execution, token: Token, node: Node) -> None:
    try:
        values = compile_script(node.script or "").run(execution.state.variables)
    except ExpressionError as error:
        execution.raise_incident(token, f"script task '{node.id}': {error}")
        return
    if values:
        execution.emit(EventType.VARIABLES_UPDATED, node.id, token.id, values=values)
    execution.leave(token)


def service_task(execution: Execution, token: Token, node: Node) -> None:
    execution.emit(EventType.TASK_WAITING, node.id, token.id, kind="service")
    execution.effect(ScheduleJob(token.id, node.id))


def user_task(execution: Execution, token: Token, node: Node) -> None:
    execution.emit(EventType.TASK_WAITING, node.id, token.id, kind="user")
    execution.effect(OpenUserTask(token.id, node.id))
