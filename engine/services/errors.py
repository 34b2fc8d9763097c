"""What the services refuse, and why. Every message is written for the person who asked.

Delivery layers map these to answers: NotFound -> 404, InvalidInput / DeploymentError -> 400,
PermissionDenied -> 403 (or 404), InvalidState -> 409.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.bpmn.errors import BpmnError


class ServiceError(Exception):
    """The request was refused; str(error) says why."""


class NotFound(ServiceError, LookupError):
    """The definition, instance, task, job or incident does not exist."""


class InvalidInput(ServiceError, ValueError):
    """An argument is malformed (e.g. a business key that is not a string)."""


class InvalidVariables(InvalidInput):
    """Variables must be a JSON object: string names, JSON values; a form submission must fit the form.

    `field_errors` maps each offending variable (form field id) to what is wrong with it, so
    a page or an API answer can show each message next to its field; empty when the problem
    is the whole object.
    """

    def __init__(self, message: str, *, field_errors: Mapping[str, str] | None = None):
        super().__init__(message)
        self.field_errors: dict[str, str] = dict(field_errors or {})


class PermissionDenied(ServiceError):
    """The user may not do this (e.g. act on a user task that is neither theirs nor their group's).

    Delivery layers answer 404 where saying 403 would tell a stranger that the thing exists.
    """


class InvalidState(ServiceError):
    """The request does not fit the current state (task already completed, instance ended...)."""


class DeploymentError(BpmnError, ServiceError):
    """The model cannot be deployed; `problems` lists every reason (element id, type, line)."""
