"""BPMN models for the start event and message sending tests."""

from __future__ import annotations

from itertools import pairwise

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">\n'
    '<message id="order" name="Order"/>\n<message id="paid" name="Paid"/>\n'
    '<signal id="go" name="Go"/>\n'
)


def model(process_id: str, body: str) -> str:
    """A file with one process; `body` goes on its own lines, so line numbers are predictable."""
    return HEADER + f'<process id="{process_id}" isExecutable="true">\n{body}\n</process>\n</definitions>\n'


def flows(*node_ids: str) -> str:
    """Sequence flows chaining the nodes in order."""
    return "\n".join(
        f'<sequenceFlow id="f_{source}_{target}" sourceRef="{source}" targetRef="{target}"/>'
        for source, target in pairwise(node_ids)
    )


def timer_started(process_id: str, kind: str, text: str) -> str:
    """A process started only by a timer; its instances wait at a user task."""
    return model(
        process_id,
        f'<startEvent id="tick"><timerEventDefinition><{kind}>{text}</{kind}></timerEventDefinition>'
        '</startEvent>\n<userTask id="work"/>\n<endEvent id="e"/>\n' + flows("tick", "work", "e"),
    )


def message_started(process_id: str, *, none_start: bool = False) -> str:
    """Started by message 'Order' (and by a plain start when `none_start`); waits at a user task."""
    plain = '<startEvent id="plain"/>\n' + flows("plain", "work") + "\n" if none_start else ""
    return model(
        process_id,
        plain + '<startEvent id="ordered"><messageEventDefinition messageRef="order"/></startEvent>\n'
        '<userTask id="work"/>\n<endEvent id="e"/>\n' + flows("ordered", "work", "e"),
    )


def signal_started(process_id: str) -> str:
    """Started by signal 'Go'; completes at once."""
    return model(
        process_id,
        '<startEvent id="went"><signalEventDefinition signalRef="go"/></startEvent>\n<endEvent id="e"/>\n'
        + flows("went", "e"),
    )


#: Waits for 'Paid' with the key orderId, then ends.
PAYMENT_WAITER = model(
    "waiter",
    '<startEvent id="s"/>\n<receiveTask id="wait" messageRef="paid" bpm:correlationKey="${orderId}"/>\n'
    '<endEvent id="e"/>\n' + flows("s", "wait", "e"),
)


def payment_sender(element: str) -> str:
    """A process that sends 'Paid' keyed by orderId through `element` (id "send")."""
    if element == "endEvent":
        body = (
            '<startEvent id="s"/>\n<endEvent id="send" bpm:correlationKey="${orderId}">'
            '<messageEventDefinition messageRef="paid"/></endEvent>\n' + flows("s", "send")
        )
    elif element == "sendTask":
        body = (
            '<startEvent id="s"/>\n<sendTask id="send" messageRef="paid" bpm:correlationKey="${orderId}"/>\n'
            '<endEvent id="e"/>\n' + flows("s", "send", "e")
        )
    else:
        body = (
            '<startEvent id="s"/>\n<intermediateThrowEvent id="send" bpm:correlationKey="${orderId}">'
            '<messageEventDefinition messageRef="paid"/></intermediateThrowEvent>\n<endEvent id="e"/>\n'
            + flows("s", "send", "e")
        )
    return model(f"sender_{element}", body)
