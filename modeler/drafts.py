"""Saving and deploying drafts: the modeler's only writes.

Deployment itself goes through engine.services.deploy, which validates again and stores the
definition version; these functions keep the draft that was deployed in step with it.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

from engine.bpmn import BpmnError, Problem, parse_bpmn
from engine.bpmn.parser import list_processes
from engine.services import deploy
from engine.services.definitions import handler_problems
from engine.store.models import ProcessDefinition
from modeler.models import Draft

NEW_PROCESS_TEMPLATE = Path(__file__).resolve().parent / "new-process.bpmn"


def new_process_xml() -> str:
    """The diagram a new draft starts from: an executable process with one start event."""
    process_id = f"Process_{secrets.token_hex(4)}"
    return NEW_PROCESS_TEMPLATE.read_text(encoding="utf-8").replace("PROCESS_ID", process_id)


def model_problems(xml: str) -> list[Problem]:
    """Everything that would stop `xml` from deploying (the checks deploy runs), without storing."""
    try:
        graph = parse_bpmn(xml.encode("utf-8"), max_bytes=settings.BPM_MAX_BPMN_BYTES)
    except BpmnError as error:
        return error.problems
    return handler_problems(graph)


def draft_save(*, draft: Draft | None, xml: str, user: Any) -> Draft:
    """Store `xml` as the draft's new content (a new draft when `draft` is None).

    A draft may hold a model that cannot deploy yet: saving never refuses a well-sized text,
    so work in progress is never lost. Its process key and name are read when possible.
    """
    key, name = _process_label(xml)
    if draft is None:
        draft = Draft()
    draft.xml = xml
    draft.process_key = key
    draft.name = name
    draft.updated_by = user if getattr(user, "is_authenticated", False) else None
    draft.save()
    return draft


def draft_deploy(*, draft: Draft, user: Any) -> ProcessDefinition:
    """Deploy the saved draft as a new definition version (or its latest, if unchanged).

    Raises engine.services.DeploymentError listing every problem (element ids and lines) and
    then stores nothing; the draft itself stays as it was saved.
    """
    definition = deploy(draft.xml, user=user)
    draft.deployed = definition
    draft.save(update_fields=["deployed"])
    return definition


def _process_label(xml: str) -> tuple[str, str]:
    try:
        processes = list_processes(xml.encode("utf-8"), max_bytes=settings.BPM_MAX_BPMN_BYTES)
    except BpmnError:
        return "", ""
    chosen = next((p for p in processes if p.executable), processes[0] if processes else None)
    return (chosen.id[:255], (chosen.name or "")[:255]) if chosen else ("", "")
