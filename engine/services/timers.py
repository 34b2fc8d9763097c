"""Firing due timers: never early, never twice.

`fire_timer` runs in one transaction: it sends FireTimer to the kernel (which takes the
instance row, in the store's lock order, see engine.store.execution), then moves the timer on
with a compare-and-set on its `fired_count`. Two schedulers racing for the same timer
serialise on the instance row; the second finds the count moved, rolls back and fires
nothing. A timer whose token has moved on meets a closed subscription and is cancelled.
"""

from __future__ import annotations

import logging

from engine.runtime import CommandRejected, FireTimer
from engine.store import clock
from engine.store.errors import Conflict
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, Timer, TimerStatus
from engine.timers import parse_timer

logger = logging.getLogger(__name__)


def fire_timer(*, timer_id: int) -> ProcessInstance | None:
    """Fire one timer if it is armed and due; the instance, or None when nothing fired."""

    def work() -> ProcessInstance | None:
        now = clock.now()
        timer = Timer.objects.filter(pk=timer_id).first()
        if timer is None or timer.status != TimerStatus.ARMED or timer.due_at is None or timer.due_at > now:
            return None
        as_read = Timer.objects.filter(pk=timer.pk, fired_count=timer.fired_count)
        try:
            instance = apply_command(timer.instance_id, FireTimer(timer.subscription_id))
        except CommandRejected:
            # The token moved on (or the instance ended) while the timer came due.
            as_read.update(status=TimerStatus.CANCELLED)
            return None
        # Only now, after the instance row (the store's lock order), move the timer on. If
        # another scheduler fired it meanwhile, its count moved: roll all of this back.
        status_now = as_read.values_list("status", flat=True).first()
        if status_now is None:
            raise Conflict(f"timer {timer.pk} was fired by another scheduler meanwhile")
        next_due = parse_timer(timer.kind, timer.definition).next_due(
            timer.due_at, timer.fired_count + 1, now=now
        )
        # It fired; it stays armed only for a next repetition of a subscription still open
        # (firing closes a catch event's or an interrupting boundary's subscription).
        keep_armed = next_due is not None and status_now != TimerStatus.CANCELLED
        status = TimerStatus.ARMED if keep_armed else TimerStatus.FIRED
        as_read.update(
            fired_count=timer.fired_count + 1,
            last_fired_at=now,
            due_at=next_due or timer.due_at,
            status=status,
        )
        return instance

    return run_atomically(work)


def fire_due_timers(*, limit: int = 100) -> int:
    """Fire every armed timer due by now, earliest first; how many fired.

    A timer that cannot be fired (its definition broken, conflicts that do not settle) is
    logged and skipped, so it cannot hold up the timers due after it.
    """
    due = Timer.objects.filter(status=TimerStatus.ARMED, due_at__lte=clock.now()).order_by("due_at", "pk")
    fired = 0
    for timer_id in list(due.values_list("pk", flat=True)[:limit]):
        try:
            fired += fire_timer(timer_id=timer_id) is not None
        except Exception:
            logger.exception("timer %s could not be fired; it is tried again on the next pass", timer_id)
    return fired


def next_armed_timer(*, instance_id: int) -> Timer | None:
    """The instance's armed timer that comes due first (`bpm run` waits for it, or skips to it)."""
    armed = Timer.objects.filter(instance_id=instance_id, status=TimerStatus.ARMED)
    return armed.order_by("due_at", "pk").first()
