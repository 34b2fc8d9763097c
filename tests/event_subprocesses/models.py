"""BPMN bodies with event subprocesses, shared by the kernel and the store tests."""

from __future__ import annotations

from tests.runtime.models import flow

ROOTS = (
    '<error id="declined" errorCode="CARD_DECLINED"/><error id="fraud" errorCode="FRAUD"/>'
    '<message id="nudge" name="nudge"/><message id="cancel" name="cancel-order"/>'
    '<signal id="stop" name="shutdown"/>'
    '<escalation id="late" escalationCode="LATE"/><escalation id="big" escalationCode="BIG"/>'
)


def event_subprocess(sub_id: str, start: str, body: str, *, interrupting: bool = True) -> str:
    """An event subprocess whose start event `<sub_id>_start` carries `start` (an event definition).

    `body` is what runs after the start event; it must contain `<sub_id>_end` or flows on its own.
    """
    attribute = "" if interrupting else ' isInterrupting="false"'
    return (
        f'<subProcess id="{sub_id}" triggeredByEvent="true">'
        f'<startEvent id="{sub_id}_start"{attribute}>{start}</startEvent>{body}</subProcess>\n'
    )


def simple_event_subprocess(sub_id: str, start: str, *, interrupting: bool = True, task: str = "task") -> str:
    """start -> `<sub_id>_work` (a user task when task="user", else a plain task) -> end."""
    element = "userTask" if task == "user" else "task"
    body = (
        f'<{element} id="{sub_id}_work"/><endEvent id="{sub_id}_end"/>'
        + flow(f"{sub_id}_f1", f"{sub_id}_start", f"{sub_id}_work")
        + flow(f"{sub_id}_f2", f"{sub_id}_work", f"{sub_id}_end")
    )
    return event_subprocess(sub_id, start, body, interrupting=interrupting)


TIMER_HOUR = "<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"
TIMER_CYCLE = "<timerEventDefinition><timeCycle>R3/PT1H</timeCycle></timerEventDefinition>"
NUDGE = '<messageEventDefinition messageRef="nudge"/>'
CANCEL = '<messageEventDefinition messageRef="cancel"/>'
SHUTDOWN = '<signalEventDefinition signalRef="stop"/>'
ANY_ERROR = "<errorEventDefinition/>"
DECLINED = '<errorEventDefinition errorRef="declined"/>'
LATE = '<escalationEventDefinition escalationRef="late"/>'
ANY_ESCALATION = "<escalationEventDefinition/>"

#: start -> review (a user task) -> end.
REVIEW = (
    '<startEvent id="s"/><userTask id="review"/><endEvent id="e"/>'
    + flow("f1", "s", "review")
    + flow("f2", "review", "e")
)


def with_subprocess(inner: str, *, boundary: str = "") -> str:
    """start -> sub (start -> approve, a user task -> end; plus `inner`) -> after -> end.

    `boundary` goes beside sub (boundary events and what follows them).
    """
    return (
        '<startEvent id="s"/><subProcess id="sub"><startEvent id="ss"/><userTask id="approve"/>'
        '<endEvent id="se"/>'
        + flow("sf1", "ss", "approve")
        + flow("sf2", "approve", "se")
        + inner
        + "</subProcess>"
        '<task id="after"/><endEvent id="e"/>'
        + flow("f1", "s", "sub")
        + flow("f2", "sub", "after")
        + flow("f3", "after", "e")
        + boundary
    )


def error_model(thrown: str, event_subprocesses: str) -> str:
    """start -> fork -> (hotel: a service task) and (fail: an end event throwing `thrown`)."""
    return (
        '<startEvent id="s"/><parallelGateway id="fork"/><serviceTask id="hotel" bpm:type="noop"/>'
        f'<endEvent id="fail">{thrown}</endEvent><endEvent id="e"/>'
        + flow("f0", "s", "fork")
        + flow("f1", "fork", "hotel")
        + flow("f2", "fork", "fail")
        + flow("f3", "hotel", "e")
        + event_subprocesses
    )


#: An error event subprocess that throws an error again: nothing beside it may catch that.
RETHROW = (
    '<subProcess id="handle" triggeredByEvent="true"><startEvent id="hs">'
    f'{ANY_ERROR}</startEvent><endEvent id="again">{DECLINED}</endEvent>'
    + flow("h1", "hs", "again")
    + "</subProcess>"
)
