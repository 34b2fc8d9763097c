"""Messages and signals in the kernel: catch events, receive tasks, boundary and throw events."""

from __future__ import annotations

import pytest

from engine.bpmn.graph import ProcessGraph
from engine.runtime import (
    BroadcastSignal,
    CancelSubscription,
    CancelWork,
    CommandRejected,
    CompleteTask,
    CorrelateMessage,
    InstanceStatus,
    ReceiveSignal,
    StartInstance,
    SubscribeMessage,
    SubscribeSignal,
    replay,
)
from tests.runtime.driver import Run
from tests.runtime.models import flow, graph

MESSAGES = '<message id="paid" name="OrderPaid"/><message id="cancel" name="OrderCancelled"/>'


def message_graph(body: str) -> ProcessGraph:
    return graph(body, roots=MESSAGES)


WAIT_FOR_PAYMENT = message_graph(
    '<startEvent id="s"/><intermediateCatchEvent id="payment" bpm:correlationKey="${order.id}">'
    '<messageEventDefinition messageRef="paid"/></intermediateCatchEvent><endEvent id="e"/>'
    + flow("f0", "s", "payment")
    + flow("f1", "payment", "e")
)


def test_a_message_catch_event_subscribes_with_its_evaluated_key_and_moves_on_with_the_message() -> None:
    run = Run(WAIT_FOR_PAYMENT)
    started = run.send(StartInstance({"order": {"id": 42}}))
    assert started.effects == [SubscribeMessage(1, "payment", "OrderPaid", "42")]
    token = next(iter(run.state.tokens))
    with pytest.raises(CommandRejected, match="waits for an event"):
        run.send(CompleteTask(token))
    run.send(CorrelateMessage(1, {"amount": 9.5}))
    assert run.state.status is InstanceStatus.COMPLETED
    assert run.state.variables == {"order": {"id": 42}, "amount": 9.5}
    assert run.completed_nodes == ["s", "payment", "e"]
    with pytest.raises(CommandRejected):
        run.send(CorrelateMessage(1))


def test_a_correlation_key_that_cannot_be_evaluated_is_an_incident() -> None:
    run = Run(WAIT_FOR_PAYMENT)
    run.send(StartInstance({}))
    (incident,) = run.state.incidents.values()
    assert incident.node == "payment"
    assert "correlation key of 'payment' (order.id)" in incident.error


def review(boundary: str) -> ProcessGraph:
    return message_graph(
        '<startEvent id="s"/><userTask id="review"/><endEvent id="done"/>'
        + boundary
        + '<receiveTask id="confirm" messageRef="paid"/><endEvent id="handled"/>'
        + flow("f0", "s", "review")
        + flow("f1", "review", "done")
        + flow("f2", "cancelled", "confirm")
        + flow("f3", "confirm", "handled")
    )


def test_an_interrupting_message_boundary_withdraws_the_task_and_a_receive_task_waits_next() -> None:
    run = Run(
        review(
            '<boundaryEvent id="cancelled" attachedToRef="review">'
            '<messageEventDefinition messageRef="cancel"/></boundaryEvent>'
        )
    )
    run.send(StartInstance({}))
    task = next(iter(run.state.tokens))
    outcome = run.send(CorrelateMessage(1, {"reason": "customer"}))
    assert CancelWork(task, "review") in outcome.effects
    assert SubscribeMessage(2, "confirm", "OrderPaid", None) in outcome.effects
    run.send(CorrelateMessage(2))
    assert run.completed_nodes == ["s", "cancelled", "confirm", "handled"]
    assert run.state.status is InstanceStatus.COMPLETED
    assert replay(run.events).to_json() == run.state.to_json()


def test_a_non_interrupting_message_boundary_takes_every_message_while_the_task_runs() -> None:
    run = Run(
        review(
            '<boundaryEvent id="cancelled" attachedToRef="review" cancelActivity="false">'
            '<messageEventDefinition messageRef="cancel"/></boundaryEvent>'
        )
    )
    run.send(StartInstance({}))
    task = next(iter(run.state.tokens))
    run.send(CorrelateMessage(1))
    run.send(CorrelateMessage(1))
    assert run.completed_nodes.count("cancelled") == 2
    finished = run.send(CompleteTask(task))
    assert CancelSubscription(1) in finished.effects
    assert run.state.subscriptions.keys() == {2, 3}  # the two receive tasks still wait


SIGNALS = '<signal id="go" name="Go"/>'


def signal_graph(body: str) -> ProcessGraph:
    return graph(body, roots=SIGNALS)


def test_a_signal_catch_waits_and_a_throw_event_asks_for_a_broadcast() -> None:
    model = signal_graph(
        '<startEvent id="s"/><intermediateCatchEvent id="wait"><signalEventDefinition signalRef="go"/>'
        '</intermediateCatchEvent><intermediateThrowEvent id="tell"><signalEventDefinition signalRef="go"/>'
        '</intermediateThrowEvent><endEvent id="e"/>'
        + flow("f0", "s", "wait")
        + flow("f1", "wait", "tell")
        + flow("f2", "tell", "e")
    )
    run = Run(model)
    assert run.send(StartInstance({})).effects == [SubscribeSignal(1, "wait", "Go")]
    received = run.send(ReceiveSignal(1, {"from": "ops"}))
    assert received.effects == [CancelSubscription(1), BroadcastSignal("Go", "tell")]
    assert run.state.variables == {"from": "ops"}
    assert run.completed_nodes == ["s", "wait", "tell", "e"]
    with pytest.raises(CommandRejected):
        run.send(ReceiveSignal(1))


def test_a_signal_boundary_does_not_broadcast_when_its_token_passes() -> None:
    model = signal_graph(
        '<startEvent id="s"/><userTask id="work"/><endEvent id="e"/>'
        '<boundaryEvent id="stop" attachedToRef="work">'
        '<signalEventDefinition signalRef="go"/></boundaryEvent>'
        '<endEvent id="stopped"/>'
        + flow("f0", "s", "work")
        + flow("f1", "work", "e")
        + flow("f2", "stop", "stopped")
    )
    run = Run(model)
    run.send(StartInstance({}))
    outcome = run.send(ReceiveSignal(1))
    assert not any(isinstance(effect, BroadcastSignal) for effect in outcome.effects)
    assert run.completed_nodes == ["s", "stop", "stopped"]
