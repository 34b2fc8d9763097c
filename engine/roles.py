"""Roles: Django groups that say what a person or an integration may do.

The REST API checks them on every endpoint (engine.api.permissions) and the portal can use
the same helpers. Superusers hold every role. The groups are created by migration
engine 0007_api; an administrator adds people (or integration users) to them in the admin.

- viewers: read definitions, instances, history, jobs and incidents;
- operators: also start, cancel and modify instances, change variables, correlate messages,
  broadcast signals, retry incidents, set job retries, suspend and activate definitions;
- modelers: also deploy definitions (and suspend or activate them).

User tasks are different: whoever they are assigned to, or who is in one of their candidate
groups, may act on them, whatever their roles.
"""

from __future__ import annotations

from typing import Any

VIEWERS = "viewers"
OPERATORS = "operators"
MODELERS = "modelers"

ROLES = (VIEWERS, OPERATORS, MODELERS)

#: Every role may read: operating or modelling without seeing what you act on makes no sense.
READERS = frozenset(ROLES)


def user_roles(user: Any) -> frozenset[str]:
    """The roles `user` holds (all of them for a superuser, none for an anonymous user)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    if user.is_superuser:
        return frozenset(ROLES)
    cached = getattr(user, "_bpm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._bpm_roles = cached
    return cached


def has_any_role(user: Any, roles: frozenset[str] | set[str] | tuple[str, ...]) -> bool:
    return bool(user_roles(user) & frozenset(roles))
