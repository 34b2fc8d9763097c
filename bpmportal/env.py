"""Read settings from environment variables, failing loudly on values we cannot understand.

A typo such as ``BPM_DEBUG=ture`` must stop the process with a message naming the variable,
not silently fall back to a default that nobody asked for.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def env_str(name: str, default: str) -> str:
    """The variable's value, or ``default`` when it is unset or empty."""
    value = os.environ.get(name, "")
    return value if value != "" else default


def env_bool(name: str, default: bool) -> bool:
    """A boolean written as 1/0, true/false, yes/no or on/off (any case)."""
    raw = os.environ.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"Environment variable {name}={os.environ[name]!r} is not a boolean; "
        "use one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number, optionally at least ``minimum``."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"Environment variable {name}={os.environ[name]!r} is not a whole number."
        ) from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"Environment variable {name}={value} must be at least {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped."""
    raw = os.environ.get(name, "")
    if raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of ``choices`` (compared case-insensitively, returned as spelled in ``choices``)."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    for choice in choices:
        if raw.lower() == choice.lower():
            return choice
    raise ImproperlyConfigured(
        f"Environment variable {name}={os.environ[name]!r} is not one of: {', '.join(choices)}."
    )


SUPPORTED_DATABASE_ENGINES = ("django.db.backends.sqlite3", "django.db.backends.postgresql")


def env_database(name: str, default: str, **options: Any) -> dict[str, Any]:
    """A Django database configuration from a URL (``sqlite:///path`` or ``postgres://...``).

    Only SQLite and PostgreSQL are supported: the engine relies on their locking behaviour.
    ``options`` are passed to ``dj_database_url.parse`` (e.g. ``conn_max_age``).
    """
    # Messages never repeat the URL itself: it may contain a password.
    usable = "use sqlite:///path or postgres://user@host/database"
    try:
        config = dj_database_url.parse(env_str(name, default), **options)
    except dj_database_url.UnknownSchemeError:
        raise ImproperlyConfigured(f"Environment variable {name} has an unknown scheme; {usable}.") from None
    except ValueError as error:
        raise ImproperlyConfigured(
            f"Environment variable {name} is not a database URL ({error}); {usable}."
        ) from None
    if config.get("ENGINE") not in SUPPORTED_DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"Environment variable {name} selects {config.get('ENGINE')}, but bpmportal runs only on "
            f"SQLite or PostgreSQL; {usable}."
        )
    return config
