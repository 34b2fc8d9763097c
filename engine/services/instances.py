"""Starting and cancelling process instances, and retrying their incidents.

Every function here runs one kernel command through engine.store.execution: one transaction,
optimistic locking on the instance row, retried on conflicts (see that module's docstring).
"""

from __future__ import annotations

from typing import Any

from engine.runtime import (
    CancelInstance,
    CommandRejected,
    RetryIncident,
)
from engine.runtime.behaviours.start_events import starts_by
from engine.runtime.commands import Command
from engine.services.actors import user_or_none
from engine.services.errors import InvalidInput, InvalidState, NotFound
from engine.services.variables import check_variables
from engine.store.execution import apply_command, run_atomically
from engine.store.graphs import graph_of
from engine.store.models import ID_LENGTH, BusinessKeyClaim, Incident, ProcessDefinition, ProcessInstance
from engine.store.start_events import begin_instance


def start_instance(
    *,
    definition: ProcessDefinition | int | None = None,
    key: str | None = None,
    variables: Any = None,
    business_key: str | None = None,
    unique_business_key: bool = False,
    user: Any = None,
    start_event: str | None = None,
) -> ProcessInstance:
    """Start an instance of `definition`, or of the latest version of process `key`.

    The instance runs until every token rests in a wait state before this returns; it may
    already be completed. `variables` must be a JSON object.

    With `unique_business_key`, the business key may be used once per process key (over all
    versions): starting again with the same key returns the instance the first start made,
    whose `created` attribute is then False (True for a new instance), and changes nothing.
    That makes a start safe to repeat, e.g. after a timeout of the caller.

    The instance begins at the none start event, or at `start_event`, a timer, message or
    signal start event, as if it had fired (`bpm run` uses this for timer-started processes).
    """
    variables = check_variables(variables)
    if business_key is not None and (not isinstance(business_key, str) or len(business_key) > ID_LENGTH):
        raise InvalidInput(f"the business key must be a string of at most {ID_LENGTH} characters")
    if unique_business_key and not business_key:
        raise InvalidInput("unique_business_key needs a business key")
    chosen = _definition(definition, key)
    if chosen.suspended:
        raise InvalidState(
            f"process '{chosen.key}' version {chosen.version} is suspended: it starts no instances"
        )
    graph = graph_of(chosen)
    if start_event is not None and start_event not in {n.id for n in graph.triggered_start_events()}:
        raise InvalidInput(f"'{start_event}' is not a timer, message or signal start event of {chosen}")
    if start_event is None and graph.start_events.get(None) is None:
        # Only its timer, message or signal start events start it (engine.store.start_events).
        raise InvalidState(f"process '{chosen.key}' has no none start event; {starts_by(graph)}")
    started_by = user_or_none(user)

    def start() -> ProcessInstance:
        if unique_business_key:
            claims = BusinessKeyClaim.objects.filter(process_key=chosen.key, business_key=business_key)
            claimed = claims.first()
            if claimed is not None:
                existing = ProcessInstance.objects.get(pk=claimed.instance_id)
                existing.created = False
                return existing
        started = begin_instance(
            chosen,
            variables=variables,
            start_event=start_event,
            business_key=business_key,
            started_by=started_by,
        )
        if unique_business_key:
            # A racing start with the same key fails here on the unique constraint; run_atomically
            # runs it again, and then it finds the instance that won above.
            BusinessKeyClaim.objects.create(
                process_key=chosen.key, business_key=business_key, instance=started
            )
        started.created = True
        return started

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
