"""Delivering broadcast signals: from the outbox to every subscription, each exactly once.

A signal thrown by a process is written in the throwing command's transaction (Signal, the
outbox) and delivered after it commits; the worker's scheduler pass delivers whatever a
crash left pending. Each receiver gets it in its own transaction, together with a
SignalDelivery row, so a redelivery skips the receivers that already have it.
"""

from __future__ import annotations

from django.db import transaction

from engine.runtime import CommandRejected, ReceiveSignal
from engine.store import clock
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, Signal, SignalDelivery, SignalSubscription
from engine.store.start_events import start_by_signal


def record_signal(name: str, variables: dict, thrown_by: ProcessInstance | None) -> Signal:
    """Write the signal to the outbox (in the caller's transaction)."""
    return Signal.objects.create(name=name, variables=variables, thrown_by=thrown_by, created_at=clock.now())


def throw_signal(name: str, thrown_by: ProcessInstance) -> None:
    """A process threw a signal: record it now, deliver it once this transaction commits.

    Should the process die before delivery, the worker's scheduler pass finds it pending.
    """
    signal = record_signal(name, {}, thrown_by)
    transaction.on_commit(lambda: deliver_signal(signal.pk), robust=True)


def deliver_signal(signal_id: int) -> int:
    """Hand the signal to every subscription that existed when it was thrown, and start an
    instance of every process with a start event for it; how many subscriptions took it plus
    how many instances started."""
    signal = Signal.objects.filter(pk=signal_id, delivered_at__isnull=True).first()
    if signal is None:
        return 0
    receivers = (
        SignalSubscription.objects.filter(name=signal.name, created_at__lte=signal.created_at)
        .order_by("pk")
        .values_list("instance_id", "subscription_id")
    )
    delivered = sum(_deliver_to(signal, instance_id, subscription) for instance_id, subscription in receivers)
    delivered += start_by_signal(signal)
    Signal.objects.filter(pk=signal.pk, delivered_at__isnull=True).update(delivered_at=clock.now())
    return delivered


def deliver_pending_signals(*, limit: int = 100) -> int:
    """Deliver signals a crash left in the outbox (the worker's scheduler pass calls this)."""
    pending = (
        Signal.objects.filter(delivered_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    return sum(deliver_signal(signal_id) for signal_id in list(pending))


def _deliver_to(signal: Signal, instance_id: int, subscription: int) -> bool:
    def work() -> bool:
        already = SignalDelivery.objects.filter(
            signal=signal, instance_id=instance_id, subscription_id=subscription
        )
        if already.exists():
            return False
        try:
            apply_command(instance_id, ReceiveSignal(subscription, signal.variables))
        except CommandRejected:
            return False  # the token moved on before the signal reached it
        SignalDelivery.objects.create(signal=signal, instance_id=instance_id, subscription_id=subscription)
        return True

    return run_atomically(work)
