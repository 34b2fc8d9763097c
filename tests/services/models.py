"""BPMN documents for store, service and concurrency tests, written out so each test reads on its own."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">\n'
)


def document(process_id: str, body: str, *, name: str = "") -> str:
    process = f'<process id="{process_id}" name="{name}" isExecutable="true">\n'
    return f"{HEADER}{process}{body}</process>\n</definitions>\n"


def flow(flow_id: str, source: str, target: str) -> str:
    return f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>\n'


def noop_task(task_id: str, result: dict[str, object] | None = None) -> str:
    fields = ""
    if result is not None:
        value = json.dumps(result).replace('"', "&quot;")
        fields = f'<extensionElements><bpm:field name="result" value="{value}"/></extensionElements>'
    return f'<serviceTask id="{task_id}" bpm:type="noop">{fields}</serviceTask>\n'


def review_process(process_id: str = "order_review", *, name: str = "Review an order") -> str:
    """start -> review (a user task with assignment and a form) -> end."""
    return document(
        process_id,
        '<startEvent id="start"/>\n'
        '<userTask id="review" name="Review the order" bpm:assignee="alice" '
        'bpm:candidateGroups="clerks, managers" bpm:formKey="review-form">\n'
        "<extensionElements>"
        '<bpm:formField id="amount" label="Amount" type="long" required="true"/>'
        "</extensionElements>\n"
        "</userTask>\n"
        '<endEvent id="end"/>\n' + flow("f1", "start", "review") + flow("f2", "review", "end"),
        name=name,
    )


def parallel_process(branches: int, *, service: bool = False, process_id: str = "parallel") -> str:
    """start -> fork -> branch1..N (user or noop service tasks) -> join -> after (a user task) -> end."""
    body = '<startEvent id="start"/>\n<parallelGateway id="fork"/>\n<parallelGateway id="join"/>\n'
    body += '<userTask id="after" name="After the join"/>\n<endEvent id="end"/>\n'
    body += (
        flow("f_start", "start", "fork") + flow("f_after", "join", "after") + flow("f_end", "after", "end")
    )
    for i in range(1, branches + 1):
        task = f"branch{i}"
        body += noop_task(task) if service else f'<userTask id="{task}" name="Branch {i}"/>\n'
        body += flow(f"to_{task}", "fork", task) + flow(f"from_{task}", task, "join")
    return document(process_id, body)


def service_chain_process(process_id: str = "chain", *, command: str = "exit 0") -> str:
    """start -> greet (noop, sets greeting) -> check (cli: sh -c COMMAND) -> end."""
    return document(
        process_id,
        '<startEvent id="start"/>\n'
        + noop_task("greet", {"greeting": "hello"})
        + '<serviceTask id="check" bpm:type="cli"><extensionElements>'
        '<bpm:field name="argv"><bpm:item>sh</bpm:item><bpm:item>-c</bpm:item>'
        f"<bpm:item>{escape(command)}</bpm:item>"
        '</bpm:field><bpm:field name="stdoutVariable" value="checked"/>'
        "</extensionElements></serviceTask>\n"
        '<endEvent id="end"/>\n'
        + flow("f1", "start", "greet")
        + flow("f2", "greet", "check")
        + flow("f3", "check", "end"),
    )


def race_to_terminate_process(process_id: str = "race") -> str:
    """start -> fork -> (wait: a user task) and (stop: a terminate end event), in that order."""
    return document(
        process_id,
        '<startEvent id="start"/>\n<parallelGateway id="fork"/>\n<userTask id="wait" name="Wait"/>\n'
        '<endEvent id="stop"><terminateEventDefinition/></endEvent>\n<endEvent id="end"/>\n'
        + flow("f1", "start", "fork")
        + flow("f2", "fork", "wait")
        + flow("f3", "fork", "stop")
        + flow("f4", "wait", "end"),
    )
