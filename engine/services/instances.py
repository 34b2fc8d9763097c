"""Starting and cancelling process instances, and retrying their incidents.

Every function here runs one kernel command through engine.store.execution: one transaction,
optimistic locking on the instance row, retried on conflicts (see that module's docstring).
"""

from __future__ import annotations

from typing import Any

from engine.runtime import CancelInstance, CommandRejected, InstanceState, RetryIncident, StartInstance
from engine.runtime.commands import Command
from engine.services.actors import user_or_none
from engine.services.errors import InvalidInput, InvalidState, NotFound
from engine.services.variables import check_variables
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ID_LENGTH, Incident, ProcessDefinition, ProcessInstance


def start_instance(
    *,
    definition: ProcessDefinition | int | None = None,
    key: str | None = None,
    variables: Any = None,
    business_key: str | None = None,
    user: Any = None,
) -> ProcessInstance:
    """Start an instance of `definition`, or of the latest version of process `key`.

    The instance runs until every token rests in a wait state before this returns; it may
    already be completed. `variables` must be a JSON object.
    """
    variables = check_variables(variables)
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > ID_LENGTH):
        raise InvalidInput(f"the business key must be a string of at most {ID_LENGTH} characters")
    chosen = _definition(definition, key)
    if chosen.suspended:
        raise InvalidState(
            f"process '{chosen.key}' version {chosen.version} is suspended: it starts no instances"
        )
    started_by = user_or_none(user)

    def start() -> ProcessInstance:
        instance = ProcessInstance.objects.create(
            definition=chosen,
            business_key=business_key,
            state=InstanceState().to_json(),
            started_by=started_by,
        )
        return apply_command(instance.pk, StartInstance(variables))

    return run_atomically(start)


def cancel_instance(*, instance_id: int, reason: str = "") -> ProcessInstance:
    """Withdraw every token, cancel open jobs and user tasks, and end the instance as cancelled."""
    return run_instance_command(instance_id, CancelInstance(reason), action="cancel")


def retry_incident(*, incident_id: int) -> ProcessInstance:
    """Resolve the incident and run its node again (a service task gets a new job)."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(f"incident {incident_id} does not exist")
    if incident.resolved_at is not None:
        raise InvalidState(f"incident {incident_id} at '{incident.node_id}' is already resolved")
    return run_instance_command(
        incident.instance_id, RetryIncident(incident.incident_id), action="retry incident on"
    )


def run_instance_command(instance_id: int, command: Command, *, action: str) -> ProcessInstance:
    """Run `command` in its own transaction; a rejection becomes InvalidState('cannot <action> ...')."""

    def run() -> ProcessInstance:
        try:
            return apply_command(instance_id, command)
        except ProcessInstance.DoesNotExist:
            raise NotFound(f"process instance {instance_id} does not exist") from None
        except CommandRejected as error:
            raise InvalidState(f"cannot {action} instance {instance_id}: {error}") from None

    return run_atomically(run)


def _definition(definition: ProcessDefinition | int | None, key: str | None) -> ProcessDefinition:
    if (definition is None) == (key is None):
        raise InvalidInput("give either a definition or a process key, not both or neither")
    if isinstance(definition, ProcessDefinition):
        return definition
    if definition is not None:
        found = ProcessDefinition.objects.filter(pk=definition).first()
        if found is None:
            raise NotFound(f"process definition {definition} does not exist")
        return found
    latest = ProcessDefinition.objects.filter(key=key).order_by("-version").first()
    if latest is None:
        raise NotFound(f"no process with key '{key}' is deployed")
    return latest
