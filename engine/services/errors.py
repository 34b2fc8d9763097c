"""What the services refuse, and why. Every message is written for the person who asked.

Delivery layers map these to answers: NotFound -> 404, InvalidInput / DeploymentError -> 400,
InvalidState -> 409.
"""

from __future__ import annotations

from engine.bpmn.errors import BpmnError


class ServiceError(Exception):
    """The request was refused; str(error) says why."""


class NotFound(ServiceError, LookupError):
    """The definition, instance, task, job or incident does not exist."""


class InvalidInput(ServiceError, ValueError):
    """An argument is malformed (e.g. a business key that is not a string)."""


class InvalidVariables(InvalidInput):
    """Variables must be a JSON object: string names, JSON values."""


class InvalidState(ServiceError):
    """The request does not fit the current state (task already completed, instance ended...)."""


class DeploymentError(BpmnError, ServiceError):
    """The model cannot be deployed; `problems` lists every reason (element id, type, line)."""
