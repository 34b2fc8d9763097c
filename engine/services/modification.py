"""Operators changing a running instance by hand: moving tokens and setting variables.

Both run one kernel command (engine.runtime.modification) like every other change, so they
are written to the event log with the same hash chain and replay like anything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine.runtime.modification import ModifyInstance, SetVariables
from engine.services.errors import InvalidInput, NotFound
from engine.services.instances import run_instance_command
from engine.services.variables import check_variables
from engine.store.graphs import graph_of
from engine.store.models import ID_LENGTH, ProcessInstance


def modify_instance(
    *,
    instance_id: int,
    cancel_nodes: Sequence[str] = (),
    start_nodes: Sequence[str] = (),
    user: Any = None,
) -> ProcessInstance:
    """Withdraw the tokens at `cancel_nodes`, then start one token at each of `start_nodes`.

    Cancelling withdraws the node's work like a cancel does (its job or user task is voided,
    its incident resolved). A node that is not in the process is refused with InvalidInput;
    a node without a token to cancel, or a start inside a subprocess that is not running,
    with InvalidState. Either way nothing changes.
    """
    cancel = _node_ids("cancel_nodes", cancel_nodes)
    start = _node_ids("start_nodes", start_nodes)
    if not cancel and not start:
        raise InvalidInput("name at least one node in cancel_nodes or start_nodes")
    definition_id = (
        ProcessInstance.objects.filter(pk=instance_id).values_list("definition_id", flat=True).first()
    )
    if definition_id is None:
        raise NotFound(f"process instance {instance_id} does not exist")
    graph = graph_of(definition_id)
    unknown = [node_id for node_id in (*cancel, *start) if node_id not in graph.nodes]
    if unknown:
        raise InvalidInput(f"not nodes of process '{graph.id}': {', '.join(repr(n) for n in unknown)}")
    who = getattr(user, "username", "") if user is not None else ""
    reason = f"modified by {who}" if who else "modified"
    return run_instance_command(
        instance_id, ModifyInstance(tuple(cancel), tuple(start), reason), action="modify"
    )


def set_instance_variables(*, instance_id: int, variables: Any, user: Any = None) -> ProcessInstance:
    """Set the given variables on a running instance (other variables keep their values)."""
    values = check_variables(variables)
    if not values:
        raise InvalidInput("give at least one variable to set")
    return run_instance_command(instance_id, SetVariables(values), action="set variables of")


def _node_ids(field: str, values: Sequence[str]) -> list[str]:
    if isinstance(values, str) or not all(isinstance(v, str) and 0 < len(v) <= ID_LENGTH for v in values):
        raise InvalidInput(f"{field} must be a list of node ids")
    return list(values)
