"""Messages sent by processes: from the outbox to a waiting token, a start event, or the buffer.

A message throw or end event or a send task without a handler yields PublishMessage; the
store writes an OutboxMessage row in the sender's transaction and correlates it once that
commits (the receiver may be the sender itself, which is locked until then). Sending is one
transaction that first claims the row (`sent_at` NULL -> now, a compare-and-set) and then
correlates it exactly as `correlate_message` does: two senders racing for one row serialise
on it and the second finds it sent; a crash before commit leaves the row pending for the
worker's scheduler pass. So a sent message is never lost and never delivered twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction

from engine.runtime import PublishMessage
from engine.store import clock
from engine.store.execution import run_atomically
from engine.store.messages import correlate
from engine.store.models import OutboxMessage, ProcessInstance

logger = logging.getLogger(__name__)

#: How long a sent message nobody waits for stays buffered for a subscription to take it.
SENT_MESSAGE_TTL = timedelta(hours=1)


def record_message(effect: PublishMessage, sender: ProcessInstance) -> None:
    """Write the message to the outbox (in the sender's transaction); send it after commit."""
    message = OutboxMessage.objects.create(
        name=effect.name,
        correlation_key=effect.key,
        variables=dict(effect.variables),
        sent_by=sender,
        node_id=effect.node,
        created_at=clock.now(),
    )
    transaction.on_commit(lambda: send_message(message.pk), robust=True)


def send_message(message_id: int) -> str | None:
    """Correlate one outbox message; its outcome, or None when it was already sent."""

    def work() -> str | None:
        now = clock.now()
        if not OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(sent_at=now):
            return None  # another sender got there first
        message = OutboxMessage.objects.get(pk=message_id)
        outcome, _ = correlate(
            name=message.name,
            key=message.correlation_key,
            variables=message.variables,
            message_id=None,
            ttl=SENT_MESSAGE_TTL,
            now=now,
        )
        OutboxMessage.objects.filter(pk=message_id).update(outcome=outcome)
        return outcome

    return run_atomically(work)


def send_pending_messages(*, limit: int = 100) -> int:
    """Send what a crash left in the outbox (the worker's scheduler pass calls this); how many."""
    pending = OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    sent = 0
    for message_id in list(pending[:limit]):
        try:
            sent += send_message(message_id) is not None
        except Exception:
            logger.exception("message %s could not be sent; it is tried again on the next pass", message_id)
    return sent
