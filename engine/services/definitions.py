"""Deploying process definitions."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings

from engine.bpmn import parse_bpmn
from engine.bpmn.errors import BpmnError, Problem
from engine.bpmn.graph import ProcessGraph
from engine.handlers.registry import get_handler, unavailable_reason
from engine.services.actors import user_or_none
from engine.services.errors import DeploymentError, NotFound
from engine.store import clock
from engine.store.execution import run_atomically
from engine.store.models import ProcessDefinition
from engine.store.start_events import activate_start_events, message_start_conflicts


def deploy(xml: bytes | str, *, process_id: str | None = None, user: Any = None) -> ProcessDefinition:
    """Store a new version of the process in `xml` (of `process_id` when the file holds several).

    Deploying XML identical to the latest version of that process returns that version
    instead of adding one. Raises DeploymentError listing every problem (parse errors, unknown
    service task types, invalid handler fields), and then stores nothing.
    """
    data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
    try:
        graph = parse_bpmn(data, process_id=process_id, max_bytes=settings.BPM_MAX_BPMN_BYTES)
        text = data.decode("utf-8")
    except BpmnError as error:
        raise DeploymentError(error.problems) from None
    except UnicodeDecodeError as error:
        raise DeploymentError(
            [Problem(f"the file must be UTF-8 encoded ({error.reason} at byte {error.start})")]
        ) from None
    problems = handler_problems(graph)
    if problems:
        raise DeploymentError(problems)
    checksum = definition_checksum(data, graph.id)
    deployed_by = user_or_none(user)

    def store() -> ProcessDefinition:
        latest = ProcessDefinition.objects.filter(key=graph.id).order_by("-version").first()
        if latest is not None and latest.checksum == checksum:
            return latest
        conflicts = message_start_conflicts(graph)
        if conflicts:
            raise DeploymentError(conflicts)
        # Two deployments racing for the same version number: the unique (key, version)
        # constraint fails one of them, and run_atomically runs it again with the next number.
        definition = ProcessDefinition.objects.create(
            key=graph.id,
            version=latest.version + 1 if latest else 1,
            name=graph.name or "",
            bpmn_xml=text,
            graph=graph.to_json(),
            checksum=checksum,
            deployed_by=deployed_by,
        )
        # The new version takes over the start timers and message/signal start events.
        activate_start_events(definition, graph, clock.now())
        return definition

    return run_atomically(store)


def definition_checksum(xml: bytes, process_id: str) -> str:
    """sha256 of the exact XML bytes and the process id (one file may hold several processes)."""
    return hashlib.sha256(xml + b"\0" + process_id.encode("utf-8")).hexdigest()


def handler_problems(graph: ProcessGraph) -> list[Problem]:
    """Every service task whose handler type is not installed or whose fields the handler refuses."""
    problems = []
    for node in sorted(graph.nodes.values(), key=lambda n: (n.line, n.id)):
        if node.service is None:
            continue
        handler = get_handler(node.service.type)
        if handler is None:
            messages = [unavailable_reason(node.service.type)]
        else:
            try:
                messages = handler.validate(node.service.fields)
            except Exception as error:  # a plugin's bug must surface as a problem, not a crash
                failure = f"{type(error).__name__}: {error}"
                messages = [f"handler '{node.service.type}' failed to check its fields: {failure}"]
        problems += [Problem(message, node.id, node.kind.value, node.line) for message in messages]
    return problems


def suspend_definition(*, definition_id: int, user: Any = None) -> ProcessDefinition:
    """Stop `definition_id` from starting new instances; running instances carry on.

    Suspending a suspended definition changes nothing (so a retried request is harmless).
    """
    return _set_suspended(definition_id, True)


def activate_definition(*, definition_id: int, user: Any = None) -> ProcessDefinition:
    """Let a suspended definition start instances again; an active one stays as it is."""
    return _set_suspended(definition_id, False)


def _set_suspended(definition_id: int, suspended: bool) -> ProcessDefinition:
    def update() -> ProcessDefinition:
        ProcessDefinition.objects.filter(pk=definition_id).update(suspended=suspended)
        definition = ProcessDefinition.objects.defer("bpmn_xml", "graph").filter(pk=definition_id).first()
        if definition is None:
            raise NotFound(f"process definition {definition_id} does not exist")
        return definition

    return run_atomically(update)
