"""Message correlation in the store: the subscription index, the buffer, and their race.

A message and the subscription that should receive it can arrive at the same moment: the
message finds no subscription and is buffered while the subscription, not yet committed,
finds no buffered message. Both sides therefore take a transaction-level lock on the message
name before they look (PostgreSQL advisory lock; SQLite serialises writers anyway), and both
take it BEFORE the instance row, so the two orders cannot deadlock.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from django.db import connection
from django.db.models import Q

from engine.runtime import CorrelateMessage, Effect, SubscribeMessage
from engine.store.models import Message, MessageSubscription, ProcessInstance


def lock_message_names(names: Iterable[str]) -> None:
    """Serialise everyone who matches messages of these names, until the transaction ends."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in sorted(set(names)):
            # Two 32-bit keys: a namespace for message locks, and the name's checksum.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [0x6D5347, zlib.crc32(name.encode()) - 2**31]
            )


def subscribed_names(effects: Iterable[Effect]) -> list[str]:
    return [effect.name for effect in effects if isinstance(effect, SubscribeMessage)]


def matching_subscriptions(name: str, key: str | None) -> list[MessageSubscription]:
    """Open subscriptions a message (name, key) reaches, oldest first.

    A subscription with a key takes only messages with that key; one without takes any.
    """
    keys = (
        Q(correlation_key__isnull=True) | Q(correlation_key=key)
        if key is not None
        else Q(correlation_key__isnull=True)
    )
    return list(MessageSubscription.objects.filter(keys, name=name).order_by("created_at", "pk"))


#: What became of a correlated message: a waiting token took it (delivered), a message start
#: event started an instance with it (started), it waits in the buffer (buffered), its id was
#: seen before (duplicate), or nothing took it and it was not to be buffered (unmatched).
Outcome = Literal["delivered", "started", "buffered", "duplicate", "unmatched"]


def correlate(
    *,
    name: str,
    key: str | None,
    variables: Mapping[str, Any],
    message_id: str | None,
    ttl: timedelta | None,
    now: datetime,
) -> tuple[Outcome, ProcessInstance | None]:
    """Deliver one message; call inside a transaction (run_atomically), nothing else before it.

    Precedence (Camunda 7's): a waiting token first, oldest subscription first; else the
    latest version of the process whose message start event takes `name` starts; else the
    message is buffered for `ttl` (when given).
    """
    from engine.runtime import CommandRejected
    from engine.store.execution import apply_command
    from engine.store.start_events import start_by_message

    lock_message_names([name])  # before any instance row: see the module doc
    if message_id is not None and Message.objects.filter(message_id=message_id).exists():
        return "duplicate", None
    outcome: Outcome = "delivered"
    instance = None
    for subscription in matching_subscriptions(name, key):
        try:
            instance = apply_command(
                subscription.instance_id, CorrelateMessage(subscription.subscription_id, variables)
            )
            break
        except CommandRejected:
            continue  # its token moved on in the meantime
    if instance is None:
        outcome, instance = "started", start_by_message(name, variables)
    message = Message(
        name=name, correlation_key=key, variables=dict(variables), message_id=message_id, created_at=now
    )
    if instance is not None:
        if message_id is not None:  # kept, consumed, so that the id is known next time
            message.consumed_at, message.consumed_by = now, instance
            message.save()
        return outcome, instance
    if ttl is None:
        return "unmatched", None
    message.expires_at = now + ttl
    message.save()
    return "buffered", None


def take_buffered(subscription: SubscribeMessage, instance: ProcessInstance, now: datetime) -> Message | None:
    """The oldest live buffered message for a new subscription, marked consumed; None if none."""
    candidates = Message.objects.filter(name=subscription.name, consumed_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
    if subscription.key is not None:
        candidates = candidates.filter(correlation_key=subscription.key)
    for message in candidates.order_by("created_at", "pk"):
        taken = Message.objects.filter(pk=message.pk, consumed_at__isnull=True).update(
            consumed_at=now, consumed_by=instance
        )
        if taken:
            return message
    return None


def deliver_buffered(instance: ProcessInstance, effects: Iterable[Effect], now: datetime) -> ProcessInstance:
    """Hand buffered messages to the subscriptions these effects opened; the instance after.

    Runs inside the command's transaction, after its writes: each delivery is a further
    kernel command on the same instance. A subscription that an earlier delivery closed (an
    interrupting boundary event) gets nothing, and its message stays buffered.
    """
    from engine.runtime import CommandRejected
    from engine.store.execution import apply_command

    for effect in effects:
        if not isinstance(effect, SubscribeMessage):
            continue
        message = take_buffered(effect, instance, now)
        if message is None:
            continue
        try:
            instance = apply_command(instance.pk, CorrelateMessage(effect.subscription, message.variables))
        except CommandRejected:
            Message.objects.filter(pk=message.pk).update(consumed_at=None, consumed_by=None)
    return instance
