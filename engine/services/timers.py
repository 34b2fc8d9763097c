"""Firing due timers, of waiting tokens and of start events: never early, never twice.

`fire_timer` runs in one transaction: it sends FireTimer to the kernel (which takes the
instance row, in the store's lock order, see engine.store.execution), then moves the timer on
with a compare-and-set on its `fired_count`. Two schedulers racing for the same timer
serialise on the instance row; the second finds the count moved, rolls back and fires
nothing. A timer whose token has moved on meets a closed subscription and is cancelled.
"""

from __future__ import annotations

import logging
import time

from engine.runtime import CommandRejected, FireTimer
from engine.store import clock
from engine.store.errors import Conflict
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, StartTimer, Timer, TimerStatus
from engine.store.start_events import begin_instance
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


def fire_start_timer(*, timer_id: int) -> ProcessInstance | None:
    """Fire one start timer if it is armed and due: the instance it started, or None.

    The compare-and-set on (status, fired_count) is the transaction's first write, so a second
    scheduler waits on the timer row and then finds it moved on; the instance is started in
    the same transaction, so a crash loses neither the firing nor the instance.
    """

    def work() -> ProcessInstance | None:
        now = clock.now()
        timer = StartTimer.objects.filter(pk=timer_id).select_related("definition").first()
        if timer is None or timer.status != TimerStatus.ARMED or timer.due_at is None or timer.due_at > now:
            return None
        if timer.definition.suspended:
            return None  # it fires, late, once the definition is activated again
        next_due = parse_timer(timer.kind, timer.spec).next_due(timer.due_at, timer.fired_count + 1, now=now)
        claimed = StartTimer.objects.filter(
            pk=timer.pk, status=TimerStatus.ARMED, fired_count=timer.fired_count
        ).update(
            fired_count=timer.fired_count + 1,
            last_fired_at=now,
            due_at=next_due or timer.due_at,
            status=TimerStatus.ARMED if next_due is not None else TimerStatus.FIRED,
        )
        if not claimed:
            return None  # another scheduler fired it (or a new version cancelled it) meanwhile
        return begin_instance(timer.definition, variables={}, start_event=timer.node_id)

    return run_atomically(work)


def fire_due_timers(*, limit: int = 100, budget: float | None = None) -> int:
    """Fire every armed timer due by now, earliest first, then the due start timers; how many fired.

    At most `limit` of each kind per call; with `budget` (seconds), no further timer is
    started once that much time has passed (at least one always fires), so a worker facing
    thousands of timers due at once goes on claiming jobs in between instead of firing timers
    only. A timer that cannot be fired (its definition broken, conflicts that do not settle)
    is logged and skipped, so it cannot hold up the timers due after it.
    """
    deadline = None if budget is None else time.monotonic() + budget
    now = clock.now()
    due = Timer.objects.filter(status=TimerStatus.ARMED, due_at__lte=now).order_by("due_at", "pk")
    due_starts = StartTimer.objects.filter(
        status=TimerStatus.ARMED, due_at__lte=now, definition__suspended=False
    ).order_by("due_at", "pk")
    fired = 0
    for what, fire, ids in (
        ("timer", fire_timer, list(due.values_list("pk", flat=True)[:limit])),
        ("start timer", fire_start_timer, list(due_starts.values_list("pk", flat=True)[:limit])),
    ):
        for timer_id in ids:
            if deadline is not None and fired and time.monotonic() >= deadline:
                return fired
            try:
                fired += fire(timer_id=timer_id) is not None
            except Exception:
                logger.exception(
                    "%s %s could not be fired; it is tried again on the next pass", what, timer_id
                )
    return fired


def next_armed_timer(*, instance_id: int) -> Timer | None:
    """The instance's armed timer that comes due first (`bpm run` waits for it, or skips to it)."""
    armed = Timer.objects.filter(instance_id=instance_id, status=TimerStatus.ARMED)
    return armed.order_by("due_at", "pk").first()
