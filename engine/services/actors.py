"""Who asked: the user recorded on definitions, instances and tasks."""

from __future__ import annotations

from typing import Any


def user_or_none(user: Any) -> Any:
    """The user to record, or None for nobody (no user, or an anonymous one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user
