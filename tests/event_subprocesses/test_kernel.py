"""Event subprocesses in the pure kernel: when they listen, what they interrupt, when scopes end."""

from __future__ import annotations

from engine.bpmn.graph import ProcessGraph
from engine.runtime import (
    CancelInstance,
    CancelSubscription,
    CancelWork,
    CompleteTask,
    CorrelateMessage,
    EventType,
    FireTimer,
    InstanceStatus,
    ReceiveSignal,
    ScheduleTimer,
    StartInstance,
    SubscribeMessage,
    SubscribeSignal,
    ThrowError,
    replay,
)
from tests.event_subprocesses.models import (
    ANY_ERROR,
    CANCEL,
    DECLINED,
    NUDGE,
    RETHROW,
    REVIEW,
    ROOTS,
    SHUTDOWN,
    TIMER_CYCLE,
    TIMER_HOUR,
    error_model,
    simple_event_subprocess,
    with_subprocess,
)
from tests.runtime.driver import Run
from tests.runtime.models import flow, graph


def model(body: str) -> ProcessGraph:
    return graph(body, roots=ROOTS)


def subscription_for(run: Run, node: str) -> int:
    (found,) = [s.id for s in run.state.subscriptions.values() if s.node == node]
    return found


def task_token(run: Run, node: str) -> int:
    (found,) = [token for token, at in run.waiting() if at == node]
    return found


def assert_replay_rebuilds(run: Run) -> None:
    assert replay(run.events).to_json() == run.state.to_json()


def test_an_interrupting_timer_cancels_the_waiting_user_task_and_ends_the_process_through_it() -> None:
    run = Run(model(REVIEW + simple_event_subprocess("late", TIMER_HOUR)))
    started = run.send(StartInstance({}))
    timer = subscription_for(run, "late_start")
    assert ScheduleTimer(timer, "late_start") in started.effects
    review = task_token(run, "review")

    fired = run.send(FireTimer(timer))

    assert CancelWork(review, "review") in fired.effects
    assert CancelSubscription(timer) in fired.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-4:] == ["late_start", "late_work", "late_end", "late"]
    assert "e" not in run.completed_nodes
    terminated = [e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED]
    assert terminated == ["review"]
    assert_replay_rebuilds(run)


def test_the_subscription_closes_when_the_process_ends_first() -> None:
    run = Run(model(REVIEW + simple_event_subprocess("late", TIMER_HOUR)))
    run.send(StartInstance({}))
    timer = subscription_for(run, "late_start")

    done = run.send(CompleteTask(task_token(run, "review")))

    assert run.state.status is InstanceStatus.COMPLETED
    assert CancelSubscription(timer) in done.effects
    assert run.state.subscriptions == {}
    assert_replay_rebuilds(run)


def test_a_non_interrupting_message_runs_each_time_and_the_process_waits_for_every_run() -> None:
    run = Run(model(REVIEW + simple_event_subprocess("nudged", NUDGE, interrupting=False, task="user")))
    started = run.send(StartInstance({}))
    nudge = subscription_for(run, "nudged_start")
    assert SubscribeMessage(nudge, "nudged_start", "nudge", None) in started.effects

    run.send(CorrelateMessage(nudge, {"first": True}))
    run.send(CorrelateMessage(nudge, {"second": True}))

    assert [node for _token, node in run.waiting()] == ["review", "nudged_work", "nudged_work"]
    assert run.state.variables == {"first": True, "second": True}
    run.send(CompleteTask(task_token(run, "review")))
    assert run.state.status is InstanceStatus.RUNNING  # two runs of the event subprocess still work
    assert nudge in run.state.subscriptions  # and the process scope still listens
    first, second = [token for token, _node in run.waiting()]
    run.send(CompleteTask(first))
    assert run.state.status is InstanceStatus.RUNNING
    last = run.send(CompleteTask(second))
    assert run.state.status is InstanceStatus.COMPLETED
    assert CancelSubscription(nudge) in last.effects
    assert run.completed_nodes.count("nudged") == 2
    assert_replay_rebuilds(run)


def test_a_non_interrupting_timer_cycle_fires_per_repetition_while_the_task_waits() -> None:
    run = Run(model(REVIEW + simple_event_subprocess("remind", TIMER_CYCLE, interrupting=False)))
    run.send(StartInstance({}))
    timer = subscription_for(run, "remind_start")
    run.send(FireTimer(timer))
    run.send(FireTimer(timer))
    assert run.completed_nodes.count("remind") == 2
    assert [node for _token, node in run.waiting()] == ["review"]
    done = run.send(CompleteTask(task_token(run, "review")))
    assert run.state.status is InstanceStatus.COMPLETED
    assert CancelSubscription(timer) in done.effects
    assert_replay_rebuilds(run)


def test_a_signal_interrupts_and_its_variables_arrive() -> None:
    run = Run(model(REVIEW + simple_event_subprocess("halt", SHUTDOWN)))
    started = run.send(StartInstance({}))
    signal = subscription_for(run, "halt_start")
    assert SubscribeSignal(signal, "halt_start", "shutdown") in started.effects
    review = task_token(run, "review")

    fired = run.send(ReceiveSignal(signal, {"reason": "maintenance"}))

    assert CancelWork(review, "review") in fired.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.state.variables == {"reason": "maintenance"}
    assert run.completed_nodes[-1] == "halt"
    assert_replay_rebuilds(run)


def test_an_interrupting_message_also_stops_running_non_interrupting_ones() -> None:
    body = (
        REVIEW
        + simple_event_subprocess("nudged", NUDGE, interrupting=False, task="user")
        + simple_event_subprocess("cancelled", CANCEL)
    )
    run = Run(model(body))
    run.send(StartInstance({}))
    run.send(CorrelateMessage(subscription_for(run, "nudged_start")))
    nudged_work = task_token(run, "nudged_work")
    cancel = subscription_for(run, "cancelled_start")

    fired = run.send(CorrelateMessage(cancel))

    assert CancelWork(nudged_work, "nudged_work") in fired.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert {e.node for e in run.events if e.type is EventType.TOKEN_TERMINATED} == {
        "review",
        "nudged_work",
        "nudged",
    }
    assert_replay_rebuilds(run)


def test_an_error_end_event_starts_the_error_event_subprocess_and_voids_the_rest() -> None:
    run = Run(model(error_model(DECLINED, simple_event_subprocess("handle", DECLINED))))
    outcome = run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.COMPLETED
    hotel = next(e.token for e in run.events if e.type is EventType.TASK_WAITING)
    assert CancelWork(hotel, "hotel") in outcome.effects
    assert run.completed_nodes == ["s", "fork", "fail", "handle_start", "handle_work", "handle_end", "handle"]
    assert_replay_rebuilds(run)


def test_an_exact_error_code_wins_over_a_catch_all_event_subprocess() -> None:
    both = simple_event_subprocess("any", ANY_ERROR) + simple_event_subprocess("declined", DECLINED)
    run = Run(model(error_model(DECLINED, both)))
    run.send(StartInstance({}))
    assert run.completed_nodes[-1] == "declined"
    fraud = Run(model(error_model('<errorEventDefinition errorRef="fraud"/>', both)))
    fraud.send(StartInstance({}))
    assert fraud.completed_nodes[-1] == "any"


def test_a_handler_bpmn_error_is_caught_by_the_error_event_subprocess() -> None:
    body = (
        '<startEvent id="s"/><serviceTask id="charge" bpm:type="noop"/><endEvent id="e"/>'
        + flow("f0", "s", "charge")
        + flow("f1", "charge", "e")
        + simple_event_subprocess("handle", ANY_ERROR)
    )
    run = Run(model(body))
    run.send(StartInstance({}))
    charge = task_token(run, "charge")
    thrown = run.send(ThrowError(charge, "CARD_DECLINED", "insufficient funds"))
    assert CancelWork(charge, "charge") in thrown.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-1] == "handle"
    assert_replay_rebuilds(run)


def test_an_uncaught_error_in_an_error_event_subprocess_is_an_incident_not_a_loop() -> None:
    run = Run(model(error_model(DECLINED, RETHROW)))
    run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.RUNNING
    (incident,) = run.state.incidents.values()
    assert incident.node == "again"


def test_an_event_subprocess_of_a_subprocess_listens_only_while_the_subprocess_runs() -> None:
    run = Run(model(with_subprocess(simple_event_subprocess("cancelled", CANCEL))))
    run.send(StartInstance({}))
    cancel = subscription_for(run, "cancelled_start")
    sub_token = next(t.id for t in run.state.tokens.values() if t.node == "sub")
    assert run.state.subscriptions[cancel].token == sub_token

    left = run.send(CompleteTask(task_token(run, "approve")))

    assert CancelSubscription(cancel) in left.effects
    assert run.state.status is InstanceStatus.COMPLETED
    assert "cancelled" not in run.completed_nodes
    assert_replay_rebuilds(run)


def test_an_interrupting_event_subprocess_of_a_subprocess_leaves_by_its_outgoing_flow() -> None:
    run = Run(model(with_subprocess(simple_event_subprocess("cancelled", CANCEL, task="user"))))
    run.send(StartInstance({}))
    approve = task_token(run, "approve")

    fired = run.send(CorrelateMessage(subscription_for(run, "cancelled_start")))

    assert CancelWork(approve, "approve") in fired.effects
    assert [node for _token, node in run.waiting()] == ["cancelled_work"]
    run.send(CompleteTask(task_token(run, "cancelled_work")))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-5:] == ["cancelled_end", "cancelled", "sub", "after", "e"]
    assert_replay_rebuilds(run)


def test_the_inner_error_event_subprocess_catches_before_the_outer_boundary() -> None:
    inner = (
        '<endEvent id="boom">' + DECLINED + "</endEvent>" + flow("sf3", "ss", "boom")
    ) + simple_event_subprocess("inner_handler", ANY_ERROR)
    boundary = (
        '<boundaryEvent id="outer_catch" attachedToRef="sub">'
        + DECLINED
        + '</boundaryEvent><endEvent id="caught_outside"/>'
        + flow("f4", "outer_catch", "caught_outside")
    )
    run = Run(model(with_subprocess(inner, boundary=boundary)))
    run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.COMPLETED
    assert "inner_handler" in run.completed_nodes
    assert "caught_outside" not in run.completed_nodes
    assert run.completed_nodes[-3:] == ["sub", "after", "e"]
    assert_replay_rebuilds(run)


def test_an_error_leaving_an_event_subprocess_reaches_the_boundary_of_the_subprocess() -> None:
    inner = '<endEvent id="boom">' + DECLINED + "</endEvent>" + flow("sf3", "ss", "boom") + RETHROW
    boundary = (
        '<boundaryEvent id="outer_catch" attachedToRef="sub">'
        + ANY_ERROR
        + '</boundaryEvent><endEvent id="caught_outside"/>'
        + flow("f4", "outer_catch", "caught_outside")
    )
    run = Run(model(with_subprocess(inner, boundary=boundary)))
    run.send(StartInstance({}))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.completed_nodes[-2:] == ["outer_catch", "caught_outside"]
    assert_replay_rebuilds(run)


def test_the_error_code_and_message_land_in_the_variables_the_error_start_names() -> None:
    start = '<errorEventDefinition bpm:errorCodeVariable="code" bpm:errorMessageVariable="why"/>'
    body = (
        '<startEvent id="s"/><serviceTask id="charge" bpm:type="noop"/><endEvent id="e"/>'
        + flow("f0", "s", "charge")
        + flow("f1", "charge", "e")
        + simple_event_subprocess("handle", start, task="user")
    )
    run = Run(model(body))
    run.send(StartInstance({}))
    run.send(ThrowError(task_token(run, "charge"), "CARD_DECLINED", "insufficient funds"))
    assert run.state.variables == {"code": "CARD_DECLINED", "why": "insufficient funds"}
    assert [node for _token, node in run.waiting()] == ["handle_work"]
    assert_replay_rebuilds(run)


def keyed_cancel(body: str) -> str:
    return body.replace('id="cancelled_start"', 'id="cancelled_start" bpm:correlationKey="${orderId}"')


def test_a_message_start_subscribes_with_the_correlation_key_of_its_scope() -> None:
    run = Run(model(keyed_cancel(REVIEW + simple_event_subprocess("cancelled", CANCEL))))
    started = run.send(StartInstance({"orderId": 42}))
    cancel = subscription_for(run, "cancelled_start")
    assert SubscribeMessage(cancel, "cancelled_start", "cancel-order", "42") in started.effects


def test_a_correlation_key_that_fails_is_an_incident_on_the_scope_start_and_nothing_is_half_armed() -> None:
    run = Run(model(keyed_cancel(REVIEW + simple_event_subprocess("cancelled", CANCEL))))
    run.send(StartInstance({}))
    (incident,) = run.state.incidents.values()
    assert incident.node == "s" and "correlation key of 'cancelled_start'" in incident.error
    assert run.state.subscriptions == {}
    assert_replay_rebuilds(run)


def test_cancelling_the_instance_cancels_the_subscriptions_of_its_event_subprocesses() -> None:
    run = Run(
        model(REVIEW + simple_event_subprocess("late", TIMER_HOUR) + simple_event_subprocess("n", NUDGE))
    )
    run.send(StartInstance({}))
    armed = set(run.state.subscriptions)
    cancelled = run.send(CancelInstance("no longer needed"))
    assert {e.subscription for e in cancelled.effects if isinstance(e, CancelSubscription)} == armed
    assert run.state.status is InstanceStatus.CANCELLED
    assert_replay_rebuilds(run)


def test_an_event_subprocess_inside_an_event_subprocess_listens_while_the_outer_one_runs() -> None:
    inner = simple_event_subprocess("stop_reminding", CANCEL)
    outer = simple_event_subprocess("remind", TIMER_HOUR, interrupting=False, task="user").replace(
        "</subProcess>", inner + "</subProcess>", 1
    )
    # The replace put the inner one at the end of the outer one's content.
    run = Run(model(REVIEW + outer))
    run.send(StartInstance({}))
    assert [s.node for s in run.state.subscriptions.values()] == ["remind_start"]
    run.send(FireTimer(subscription_for(run, "remind_start")))
    remind = next(t.id for t in run.state.tokens.values() if t.node == "remind")
    assert run.state.subscriptions[subscription_for(run, "stop_reminding_start")].token == remind

    run.send(CorrelateMessage(subscription_for(run, "stop_reminding_start")))

    # The inner one interrupted the outer one's run, which then completed; the review still waits.
    assert [node for _token, node in run.waiting()] == ["review"]
    assert run.completed_nodes[-2:] == ["stop_reminding", "remind"]
    run.send(CompleteTask(task_token(run, "review")))
    assert run.state.status is InstanceStatus.COMPLETED
    assert_replay_rebuilds(run)


def test_an_error_boundary_keeps_the_caught_error_in_the_variables_it_names() -> None:
    body = (
        '<startEvent id="s"/><serviceTask id="charge" bpm:type="noop"/><endEvent id="e"/>'
        '<boundaryEvent id="b" attachedToRef="charge">'
        '<errorEventDefinition bpm:errorCodeVariable="code" bpm:errorMessageVariable="why"/></boundaryEvent>'
        '<endEvent id="be"/>' + flow("f0", "s", "charge") + flow("f1", "charge", "e") + flow("f2", "b", "be")
    )
    run = Run(model(body))
    run.send(StartInstance({}))
    run.send(ThrowError(task_token(run, "charge"), "CARD_DECLINED", "insufficient funds"))
    assert run.state.variables == {"code": "CARD_DECLINED", "why": "insufficient funds"}
    assert run.completed_nodes[-2:] == ["b", "be"]


def test_a_subprocess_that_completes_but_cannot_leave_no_longer_listens() -> None:
    body = with_subprocess(simple_event_subprocess("cancelled", CANCEL)).replace(
        flow("f2", "sub", "after"), flow("f2", "sub", "after", "${go}")
    )
    run = Run(model(body))
    run.send(StartInstance({}))
    cancel = subscription_for(run, "cancelled_start")
    done = run.send(CompleteTask(task_token(run, "approve")))
    (incident,) = run.state.incidents.values()
    assert incident.node == "sub"  # no outgoing flow holds
    assert CancelSubscription(cancel) in done.effects
    assert run.state.subscriptions == {}
    assert_replay_rebuilds(run)
