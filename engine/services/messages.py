"""Correlating messages with the tokens that wait for them, or with message start events.

`correlate_message` looks for an open subscription for the message's name whose correlation
key matches, oldest first, and delivers the message there (its variables are set on the
instance). When none matches and the latest version of a process has a message start event
for the name, a new instance of it starts with the message's variables (the correlation key
plays no part in that). When neither, it says so; or, given a time to live, it buffers the
message so that a subscription opened before it expires takes it. A message id makes
delivery idempotent: the same id sent again is reported as a duplicate and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from engine.services.errors import InvalidInput, NotFound
from engine.services.variables import check_variables
from engine.store import clock
from engine.store.execution import run_atomically
from engine.store.messages import correlate
from engine.store.models import ID_LENGTH


class NoSubscription(NotFound):
    """No token waits for this message, and it was not to be buffered."""


@dataclass(frozen=True, slots=True)
class Correlation:
    #: delivered: a waiting token took it; started: a message start event started the
    #: instance with it; buffered: kept until its ttl ends; duplicate: its message id was
    #: seen before, nothing was done.
    outcome: Literal["delivered", "started", "buffered", "duplicate"]
    instance_id: int | None = None


def correlate_message(
    *,
    name: str,
    correlation_key: str | None = None,
    variables: Mapping[str, Any] | None = None,
    message_id: str | None = None,
    ttl: timedelta | None = None,
) -> Correlation:
    """Deliver the message to one waiting token, or buffer it for `ttl`; see the module doc.

    Raises NoSubscription when nothing waits and no `ttl` is given, InvalidInput for a
    malformed request; in both cases nothing is stored.
    """
    _check_text("name", name, required=True)
    _check_text("correlation_key", correlation_key)
    _check_text("message_id", message_id)
    if ttl is not None and ttl <= timedelta(0):
        raise InvalidInput(f"ttl must be a positive duration, not {ttl}")
    values = check_variables(variables, what="message variables")

    def work() -> Correlation:
        outcome, instance = correlate(
            name=name, key=correlation_key, variables=values, message_id=message_id, ttl=ttl, now=clock.now()
        )
        if outcome == "unmatched":
            key = f" with correlation key '{correlation_key}'" if correlation_key is not None else ""
            raise NoSubscription(
                f"no instance is waiting for message '{name}'{key}, and no process starts with it"
            )
        return Correlation(outcome, None if instance is None else instance.pk)

    return run_atomically(work)


def _check_text(field: str, value: object, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string, not {value!r}")
    if len(value) > ID_LENGTH:
        raise InvalidInput(f"{field} is longer than {ID_LENGTH} characters")
