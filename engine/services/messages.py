"""Correlating messages with the tokens that wait for them.

`correlate_message` looks for an open subscription for the message's name whose correlation
key matches, oldest first, and delivers the message there (its variables are set on the
instance). When none matches, it says so; or, given a time to live, it buffers the message so
that a subscription opened before it expires takes it. A message id makes delivery
idempotent: the same id sent again is reported as a duplicate and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from engine.runtime import CommandRejected, CorrelateMessage
from engine.services.errors import InvalidInput, NotFound
from engine.services.variables import check_variables
from engine.store import clock
from engine.store.execution import apply_command, run_atomically
from engine.store.messages import lock_message_names, matching_subscriptions
from engine.store.models import ID_LENGTH, Message


class NoSubscription(NotFound):
    """No token waits for this message, and it was not to be buffered."""


@dataclass(frozen=True, slots=True)
class Correlation:
    #: delivered: a waiting token took it; buffered: kept until `expires_at`; duplicate: its
    #: message id was seen before, nothing was done.
    outcome: Literal["delivered", "buffered", "duplicate"]
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
        now = clock.now()
        lock_message_names([name])  # before any instance row: see engine.store.messages
        if message_id is not None and Message.objects.filter(message_id=message_id).exists():
            return Correlation("duplicate")
        for subscription in matching_subscriptions(name, correlation_key):
            try:
                instance = apply_command(
                    subscription.instance_id, CorrelateMessage(subscription.subscription_id, values)
                )
            except CommandRejected:
                continue  # its token moved on in the meantime
            if message_id is not None:
                Message.objects.create(
                    name=name,
                    correlation_key=correlation_key,
                    variables=values,
                    message_id=message_id,
                    created_at=now,
                    consumed_at=now,
                    consumed_by=instance,
                )
            return Correlation("delivered", instance.pk)
        if ttl is None:
            key = f" with correlation key '{correlation_key}'" if correlation_key is not None else ""
            raise NoSubscription(f"no instance is waiting for message '{name}'{key}")
        Message.objects.create(
            name=name,
            correlation_key=correlation_key,
            variables=values,
            message_id=message_id,
            created_at=now,
            expires_at=now + ttl,
        )
        return Correlation("buffered")

    return run_atomically(work)


def _check_text(field: str, value: object, *, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} must be a non-empty string, not {value!r}")
    if len(value) > ID_LENGTH:
        raise InvalidInput(f"{field} is longer than {ID_LENGTH} characters")
