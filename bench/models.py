"""The BPMN models the benchmarks deploy."""

from __future__ import annotations

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpm="urn:bpmportal:bpm:1.0" id="bench" targetNamespace="urn:bench">\n'
)
#: Killed attempts count: give every job enough of them that only a real bug raises an incident.
RETRY = "R30/PT1S"


def _flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
    if condition is None:
        return f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>\n'
    return (
        f'<sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
        f"<conditionExpression>{condition}</conditionExpression></sequenceFlow>\n"
    )


def _cli(task_id: str, *argv: str) -> str:
    items = "".join(f"<bpm:item>{item}</bpm:item>" for item in argv)
    return (
        f'<serviceTask id="{task_id}" bpm:type="cli" bpm:retry="{RETRY}"><extensionElements>'
        f'<bpm:field name="argv">{items}</bpm:field>'
        f'<bpm:field name="stdoutVariable" value="{task_id}_out"/>'
        "</extensionElements></serviceTask>\n"
    )


def _noop(task_id: str) -> str:
    return f'<serviceTask id="{task_id}" bpm:type="noop" bpm:retry="{RETRY}"/>\n'


def _timer(event_id: str, duration: str) -> str:
    return (
        f'<intermediateCatchEvent id="{event_id}"><timerEventDefinition>'
        f"<timeDuration>{duration}</timeDuration></timerEventDefinition></intermediateCatchEvent>\n"
    )


def crash_model(process_id: str = "crash_mix") -> str:
    """start -> fork (parallel) -> [cli python3 | timer PT1S -> noop | noop] -> join (parallel)
    -> split (inclusive: `n >= 0` always, `n % 2 == 0` on even n) -> [cli true | noop]
    -> merge (inclusive) -> end.

    Every instance visits each join exactly once, so each must fire exactly once.
    """
    body = (
        '<startEvent id="start"/>\n<parallelGateway id="fork"/>\n<parallelGateway id="join"/>\n'
        '<inclusiveGateway id="split"/>\n<inclusiveGateway id="merge"/>\n<endEvent id="end"/>\n'
        + _cli("run_python", "python3", "-c", "print(6 * 7)")
        + _timer("wait_1s", "PT1S")
        + _noop("after_timer")
        + _noop("side_noop")
        + _cli("run_true", "true")
        + _noop("even_noop")
        + _flow("f_start", "start", "fork")
        + _flow("f_a1", "fork", "run_python")
        + _flow("f_a2", "run_python", "join")
        + _flow("f_b1", "fork", "wait_1s")
        + _flow("f_b2", "wait_1s", "after_timer")
        + _flow("f_b3", "after_timer", "join")
        + _flow("f_c1", "fork", "side_noop")
        + _flow("f_c2", "side_noop", "join")
        + _flow("f_join", "join", "split")
        + _flow("f_s1", "split", "run_true", "${n &gt;= 0}")
        + _flow("f_s2", "split", "even_noop", "${n % 2 == 0}")
        + _flow("f_s3", "run_true", "merge")
        + _flow("f_s4", "even_noop", "merge")
        + _flow("f_end", "merge", "end")
    )
    return f'{HEADER}<process id="{process_id}" isExecutable="true">\n{body}</process>\n</definitions>\n'


def timer_model(seconds: int) -> str:
    """start -> timer PT{seconds}S -> end."""
    process_id = f"timer_{seconds}s"
    body = (
        '<startEvent id="start"/>\n'
        + _timer("wait", f"PT{seconds}S")
        + '<endEvent id="end"/>\n'
        + _flow("f1", "start", "wait")
        + _flow("f2", "wait", "end")
    )
    return f'{HEADER}<process id="{process_id}" isExecutable="true">\n{body}</process>\n</definitions>\n'


def noop_model(process_id: str = "noop_service") -> str:
    """start -> service task with the noop handler -> end: the cost of one job, nothing else."""
    body = (
        '<startEvent id="start"/>\n'
        + _noop("work")
        + '<endEvent id="end"/>\n'
        + _flow("f1", "start", "work")
        + _flow("f2", "work", "end")
    )
    return f'{HEADER}<process id="{process_id}" isExecutable="true">\n{body}</process>\n</definitions>\n'
