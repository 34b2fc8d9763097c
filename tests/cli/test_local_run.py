"""engine.services.local_run.run_local, in-process: the driver behind `bpm run` and model tests."""

from __future__ import annotations

import pytest

from engine.runtime.events import EventType
from engine.services import deploy
from engine.services.local_run import RunEvent, run_local
from tests.cli.bpm import BPMN_HEADER, EXAMPLES

pytestmark = pytest.mark.django_db


def model(body: str) -> str:
    return BPMN_HEADER + f'<bpmn:process id="p" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'


def test_it_hands_every_committed_event_to_the_callback_once_in_order() -> None:
    events: list[RunEvent] = []
    definition = deploy((EXAMPLES / "hello.bpmn").read_bytes())
    report = run_local(definition=definition, variables={"name": "World"}, on_event=events.append)

    assert report.status == "completed"
    assert [event.seq for event in events] == list(range(1, len(events) + 1))
    assert events[0].type is EventType.INSTANCE_STARTED
    assert events[-1].type is EventType.INSTANCE_COMPLETED
    completed = [event.node.id for event in events if event.type is EventType.NODE_COMPLETED and event.node]
    assert completed == report.completed_nodes
    assert events[2].node is not None and events[2].node.name == "Start"


def test_it_completes_only_the_user_tasks_it_was_given() -> None:
    definition = deploy(
        model(
            """
            <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
            <bpmn:parallelGateway id="split"/>
            <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="approve"/>
            <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="sign"/>
            <bpmn:userTask id="approve"/><bpmn:userTask id="sign"/>
            <bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="e1"/><bpmn:endEvent id="e1"/>
            <bpmn:sequenceFlow id="f5" sourceRef="sign" targetRef="e2"/><bpmn:endEvent id="e2"/>
            """
        )
    )
    report = run_local(definition=definition, complete={"approve": {"approved": True}})
    assert report.status == "waiting"
    assert report.waiting_on == ["sign"]
    assert report.variables == {"approved": True}
    assert report.completed_nodes == ["s", "split", "approve", "e1"]


def test_it_gives_up_on_a_process_that_loops_forever() -> None:
    definition = deploy(
        model(
            """
            <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
            <bpmn:userTask id="review"/><bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="again"/>
            <bpmn:exclusiveGateway id="again" default="f4"/>
            <bpmn:sequenceFlow id="f3" sourceRef="again" targetRef="review">
              <bpmn:conditionExpression>${retry}</bpmn:conditionExpression>
            </bpmn:sequenceFlow>
            <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="e"/><bpmn:endEvent id="e"/>
            """
        )
    )
    report = run_local(definition=definition, complete={"review": {"retry": True}}, max_steps=5)
    assert report.step_limit_reached
    assert report.status == "waiting"
    assert report.completed_nodes.count("review") == 5
    assert report.waiting_on == ["review"]
