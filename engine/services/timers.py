"""Firing due timers: never early, never twice.

`fire_timer` runs in one transaction: it locks the instance row first (the store's lock order,
see engine.store.execution), then moves the timer on with a compare-and-set on its
(`status`, `fired_count`), then sends FireTimer to the kernel. Two schedulers racing for the
same timer serialise on the instance row and the second finds the count moved: it fires
nothing. A timer whose token has moved on meets a closed subscription and is cancelled.
"""

from __future__ import annotations

from engine.runtime import CommandRejected, FireTimer
from engine.store import clock
from engine.store.execution import apply_command, run_atomically
from engine.store.models import ProcessInstance, Timer, TimerStatus
from engine.timers import parse_timer


def fire_timer(*, timer_id: int) -> ProcessInstance | None:
    """Fire one timer if it is armed and due; the instance, or None when nothing fired."""

    def work() -> ProcessInstance | None:
        now = clock.now()
        timer = Timer.objects.filter(pk=timer_id).first()
        if timer is None or timer.status != TimerStatus.ARMED or timer.due_at is None or timer.due_at > now:
            return None
        list(ProcessInstance.objects.select_for_update().filter(pk=timer.instance_id).values("pk"))
        fired = timer.fired_count + 1
        next_due = parse_timer(timer.kind, timer.definition).next_due(timer.due_at, fired, now=now)
        unchanged = Timer.objects.filter(pk=timer.pk, status=TimerStatus.ARMED, fired_count=timer.fired_count)
        moved = unchanged.update(
            fired_count=fired,
            last_fired_at=now,
            due_at=next_due or timer.due_at,
            status=TimerStatus.ARMED if next_due else TimerStatus.FIRED,
        )
        if not moved:
            return None  # another scheduler fired it first
        try:
            return apply_command(timer.instance_id, FireTimer(timer.subscription_id))
        except CommandRejected:
            # The token moved on (or the instance ended) while the timer came due.
            Timer.objects.filter(pk=timer.pk).update(status=TimerStatus.CANCELLED)
            return None

    return run_atomically(work)


def fire_due_timers(*, limit: int = 100) -> int:
    """Fire every armed timer due by now, earliest first; how many fired."""
    due = Timer.objects.filter(status=TimerStatus.ARMED, due_at__lte=clock.now()).order_by("due_at", "pk")
    ids = list(due.values_list("pk", flat=True)[:limit])
    return sum(fire_timer(timer_id=timer_id) is not None for timer_id in ids)


def next_armed_timer(*, instance_id: int) -> Timer | None:
    """The instance's armed timer that comes due first (`bpm run` waits for it, or skips to it)."""
    armed = Timer.objects.filter(instance_id=instance_id, status=TimerStatus.ARMED)
    return armed.order_by("due_at", "pk").first()
