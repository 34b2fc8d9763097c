"""Who may call what: every view declares the roles it needs (engine.roles), per HTTP method.

`required_roles` maps a method to the roles of which the user needs one. ANY_USER (no role,
only a login) is for user tasks, where their services decide who may act; a method missing
from the map is refused, so forgetting to declare roles can never open an endpoint.
Unauthenticated requests get 401, authenticated ones without the role 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from engine.roles import MODELERS, OPERATORS, READERS, has_any_role

READ = READERS
OPERATE = frozenset({OPERATORS})
MODEL = frozenset({MODELERS})
MANAGE_DEFINITIONS = frozenset({OPERATORS, MODELERS})
ANY_USER: frozenset[str] = frozenset()


def roles(**by_method: frozenset[str]) -> Mapping[str, frozenset[str]]:
    """A view's `required_roles`: roles(GET=READ, POST=OPERATE)."""
    return MappingProxyType(by_method)


class HasRole(BasePermission):
    message = "you need one of the roles {roles} for this"

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        required: Mapping[str, frozenset[str]] = getattr(view, "required_roles", {})
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method or ""
        if not hasattr(view, method.lower()):
            return True  # the view answers 405 Method Not Allowed
        roles = required.get(method)
        if roles is None:
            self.message = f"{method} is not allowed to anyone here"
            return False
        if not roles or has_any_role(user, roles):
            return True
        self.message = f"you need one of the roles {', '.join(sorted(roles))} for this"
        return False
