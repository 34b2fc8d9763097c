"""Property test: whatever happens in whatever order, event subprocesses keep the books straight.

A model with event subprocesses of every kind (escalation too), at process level and in an embedded
subprocess, is driven by random commands: tasks complete, jobs throw BPMN errors, timers fire,
messages and signals arrive. After every command the events must replay to exactly the
kernel's state, and the effects must add up: the store would hold exactly the subscriptions
and the open jobs and tasks the state says are there, nothing leaked and nothing lost.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.bpmn.graph import WAIT_STATES, NodeKind
from engine.runtime import (
    CancelSubscription,
    CancelWork,
    CommandRejected,
    CompleteTask,
    CorrelateMessage,
    FireTimer,
    InstanceStatus,
    OpenUserTask,
    ReceiveSignal,
    ScheduleJob,
    ScheduleTimer,
    StartInstance,
    SubscribeMessage,
    SubscribeSignal,
    ThrowError,
    TokenStatus,
    replay,
)
from engine.runtime.commands import Command
from tests.event_subprocesses.models import (
    ANY_ERROR,
    CANCEL,
    LATE,
    NUDGE,
    ROOTS,
    SHUTDOWN,
    TIMER_CYCLE,
    TIMER_HOUR,
    event_subprocess,
    simple_event_subprocess,
)
from tests.runtime.driver import Run
from tests.runtime.models import flow, graph

INNER = (
    '<startEvent id="ss"/><parallelGateway id="split"/><userTask id="approve"/>'
    '<serviceTask id="check" bpm:type="noop"/><parallelGateway id="join"/><endEvent id="se"/>'
    + flow("s1", "ss", "split")
    + flow("s2", "split", "approve")
    + flow("s3", "split", "check")
    + flow("s4", "approve", "join")
    + f'<intermediateThrowEvent id="escalate">{LATE}</intermediateThrowEvent>'
    + flow("s5", "check", "escalate")
    + flow("s7", "escalate", "join")
    + flow("s6", "join", "se")
    + simple_event_subprocess("sub_cancel", CANCEL, task="user")
    + simple_event_subprocess("sub_remind", TIMER_CYCLE, interrupting=False)
    + event_subprocess(
        "sub_error",
        ANY_ERROR,
        '<serviceTask id="repair" bpm:type="noop"/><endEvent id="sub_error_end"/>'
        + flow("r1", "sub_error_start", "repair")
        + flow("r2", "repair", "sub_error_end"),
    )
)
MODEL = graph(
    '<startEvent id="s"/><subProcess id="sub">'
    + INNER
    + '</subProcess><userTask id="wrap_up"/><endEvent id="e"/>'
    + flow("f1", "s", "sub")
    + flow("f2", "sub", "wrap_up")
    + flow("f3", "wrap_up", "e")
    + simple_event_subprocess("nudged", NUDGE, interrupting=False, task="user")
    + simple_event_subprocess("halt", SHUTDOWN)
    + simple_event_subprocess("late", TIMER_HOUR, interrupting=False)
    + simple_event_subprocess("failed", ANY_ERROR)
    + simple_event_subprocess("escalated", LATE, interrupting=False, task="user"),
    roots=ROOTS,
)


def possible_commands(run: Run) -> list[Command]:
    commands: list[Command] = []
    for token in sorted(run.state.tokens.values(), key=lambda t: t.id):
        node = MODEL.node(token.node)
        if token.status is TokenStatus.WAITING and node.kind in WAIT_STATES:
            commands.append(CompleteTask(token.id))
            if node.kind is NodeKind.SERVICE_TASK:
                commands.append(ThrowError(token.id, "BROKEN", "it broke"))
    for subscription in sorted(run.state.subscriptions.values(), key=lambda s: s.id):
        kind = {"timer": FireTimer, "message": CorrelateMessage, "signal": ReceiveSignal}[subscription.kind]
        commands.append(kind(subscription.id))
    return commands


class Books:
    """What the store would hold after applying every effect so far."""

    def __init__(self) -> None:
        self.subscriptions: set[int] = set()
        self.work: set[int] = set()

    def apply(self, command: Command, effects: list[object]) -> None:
        if isinstance(command, CompleteTask | ThrowError):
            self.work.discard(command.token)  # the job or task reported back and is done
        for effect in effects:
            match effect:
                case ScheduleTimer() | SubscribeMessage() | SubscribeSignal():
                    self.subscriptions.add(effect.subscription)
                case CancelSubscription():
                    self.subscriptions.discard(effect.subscription)
                case ScheduleJob() | OpenUserTask():
                    self.work.add(effect.token)
                case CancelWork():
                    self.work.discard(effect.token)


def waiting_work(run: Run) -> set[int]:
    return {
        token.id
        for token in run.state.tokens.values()
        if token.status in (TokenStatus.WAITING, TokenStatus.FAILED)
        and MODEL.node(token.node).kind in WAIT_STATES
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=1_000), min_size=1, max_size=25))
def test_event_subprocesses_keep_state_effects_and_replay_consistent(choices: list[int]) -> None:
    run = Run(MODEL)
    books = Books()
    books.apply(StartInstance(), run.send(StartInstance({})).effects)
    for choice in choices:
        commands = possible_commands(run)
        if not commands:
            break
        command = commands[choice % len(commands)]
        try:
            outcome = run.send(command)
        except CommandRejected as error:
            raise AssertionError(f"{command} offered but rejected: {error}") from error
        books.apply(command, outcome.effects)

        assert replay(run.events).to_json() == run.state.to_json()
        assert books.subscriptions == set(run.state.subscriptions)
        assert books.work == waiting_work(run)
        for subscription in run.state.subscriptions.values():
            owner = subscription.token
            assert owner is None or owner in run.state.tokens, "a subscription outlived its owner"
        for token in run.state.tokens.values():
            assert token.scope in run.state.scopes, "a token outlived its scope"
    if run.state.status is not InstanceStatus.RUNNING:
        assert run.state.subscriptions == {} and books.subscriptions == set()
        assert books.work == set()
