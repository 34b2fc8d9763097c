"""Bad start events and message senders are refused at deploy time, naming element and line."""

from __future__ import annotations

import pytest

from engine.services import DeploymentError, deploy
from engine.store.models import ProcessDefinition, StartSubscription, StartTimer
from tests.start_events.models import flows, message_started, model

LINE = 7  # the first line of a process body in tests.start_events.models.model


def problems(xml: str) -> list[tuple[str | None, int | None, str]]:
    with pytest.raises(DeploymentError) as raised:
        deploy(xml)
    return [(problem.element_id, problem.line, problem.message) for problem in raised.value.problems]


def start_then_end(start: str) -> str:
    return model("p", start + '\n<endEvent id="e"/>\n' + flows("x", "e"))


CASES = [
    (
        '<startEvent id="x"><timerEventDefinition/></startEvent>',
        "a timer needs exactly one of timeDate, timeDuration or timeCycle",
    ),
    (
        '<startEvent id="x"><timerEventDefinition><timeCycle>R3/PT0S</timeCycle></timerEventDefinition>'
        "</startEvent>",
        "timeCycle 'R3/PT0S' is not valid",
    ),
    (
        '<startEvent id="x"><timerEventDefinition><timeDate>2026-01-01</timeDate></timerEventDefinition>'
        "</startEvent>",
        "timeDate '2026-01-01' is not valid",
    ),
    (
        '<startEvent id="x"><messageEventDefinition/></startEvent>',
        "no messageRef: which message does it start with?",
    ),
    (
        '<startEvent id="x"><messageEventDefinition messageRef="nope"/></startEvent>',
        "messageRef 'nope' names no <message> element",
    ),
    ('<startEvent id="x"><signalEventDefinition/></startEvent>', "no signalRef"),
    (
        '<startEvent id="x" bpm:correlationKey="${a}">'
        '<messageEventDefinition messageRef="order"/></startEvent>',
        "bpm:correlationKey",  # a message start event starts an instance whatever the key
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("start", "words"), CASES, ids=[case[1][:40] for case in CASES])
def test_it_refuses_a_bad_start_event_naming_it_and_its_line(start: str, words: str) -> None:
    found = problems(start_then_end(start))
    assert [(element, line) for element, line, message in found if words in message] == [("x", LINE)], found
    assert not ProcessDefinition.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_triggered_start_event_in_an_embedded_subprocess() -> None:
    xml = model(
        "p",
        '<startEvent id="s"/>\n<subProcess id="sub">\n'
        '<startEvent id="inner"><messageEventDefinition messageRef="order"/></startEvent>\n'
        '<endEvent id="inner_end"/>\n' + flows("inner", "inner_end") + "\n</subProcess>\n"
        '<endEvent id="e"/>\n' + flows("s", "sub", "e"),
    )
    assert problems(xml) == [
        (
            "inner",
            LINE + 2,
            "a message start event cannot start an embedded subprocess; its start event must be a none "
            "start event",
        )
    ]


@pytest.mark.django_db
def test_it_refuses_two_start_events_for_one_message() -> None:
    xml = model(
        "p",
        '<startEvent id="a"><messageEventDefinition messageRef="order"/></startEvent>\n'
        '<startEvent id="b"><messageEventDefinition messageRef="order"/></startEvent>\n'
        '<endEvent id="e"/>\n' + flows("a", "e") + "\n" + flows("b", "e"),
    )
    assert problems(xml) == [
        ("b", LINE + 1, "start event 'a' already starts the process with message 'Order'")
    ]


@pytest.mark.django_db
def test_it_refuses_a_message_that_already_starts_another_process() -> None:
    deploy(message_started("orders"))
    assert problems(message_started("other_orders")) == [
        (
            "ordered",
            LINE,
            "message 'Order' already starts process 'orders' (start event 'ordered'); a message can start "
            "only one process",
        )
    ]
    assert StartSubscription.objects.count() == 1
    # A new version of the same process may keep its message.
    assert deploy(message_started("orders").replace('id="work"', 'id="work" name="v2"')).version == 2


SENDERS = [
    (
        '<intermediateThrowEvent id="x" bpm:payload="a, 1b"><messageEventDefinition messageRef="paid"/>'
        "</intermediateThrowEvent>",
        "bpm:payload 'a, 1b' must be a comma-separated list of variable names",
    ),
    (
        '<sendTask id="x" bpm:type="noop" bpm:correlationKey="${a}"/>',
        "bpm:correlationKey has no effect when a handler (bpm:type) sends the message",
    ),
    ('<sendTask id="x" bpm:type="nope" messageRef="paid"/>', "nope"),
    ('<sendTask id="x" messageRef="paid" bpm:retry="R3/PT1S"/>', "bpm:retry needs a handler (bpm:type)"),
    ('<intermediateThrowEvent id="x" bpm:type="noop"/>', "bpm:type and bpm:payload belong to message"),
    ('<sendTask id="x" messageRef="paid" bpm:correlationKey="${a +}"/>', "bpm:correlationKey is not a valid"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("sender", "words"), SENDERS, ids=[case[1][:40] for case in SENDERS])
def test_it_refuses_a_bad_message_sender_naming_it_and_its_line(sender: str, words: str) -> None:
    xml = model("p", '<startEvent id="s"/>\n' + sender + '\n<endEvent id="e"/>\n' + flows("s", "x", "e"))
    found = problems(xml)
    assert [(element, line) for element, line, message in found if words in message] == [("x", LINE + 1)], (
        found
    )


@pytest.mark.django_db
def test_a_refused_deployment_arms_no_start_timer() -> None:
    xml = model(
        "p",
        '<startEvent id="x"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition>'
        '</startEvent>\n<serviceTask id="t" bpm:type="nope"/>\n<endEvent id="e"/>\n' + flows("x", "t", "e"),
    )
    problems(xml)
    assert not StartTimer.objects.exists()
