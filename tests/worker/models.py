"""BPMN documents for the worker tests."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from tests.services.models import document, flow


def cli_task(task_id: str, command: str, *, retry: str | None = None) -> str:
    retry_attribute = f" bpm:retry={quoteattr(retry)}" if retry is not None else ""
    return (
        f'<serviceTask id="{task_id}" bpm:type="cli"{retry_attribute}><extensionElements>'
        '<bpm:field name="argv"><bpm:item>sh</bpm:item><bpm:item>-c</bpm:item>'
        f"<bpm:item>{escape(command)}</bpm:item></bpm:field>"
        f'<bpm:field name="stdoutVariable" value="{task_id}_out"/>'
        "</extensionElements></serviceTask>\n"
    )


def one_cli_task_process(command: str, *, retry: str | None = None, process_id: str = "one_task") -> str:
    """start -> work (cli: sh -c COMMAND, stdout into `work_out`) -> end."""
    return document(
        process_id,
        '<startEvent id="start"/>\n'
        + cli_task("work", command, retry=retry)
        + '<endEvent id="end"/>\n'
        + flow("f1", "start", "work")
        + flow("f2", "work", "end"),
    )


def parallel_cli_process(branches: int, command: str, *, process_id: str = "fan_out") -> str:
    """start -> fork -> b1..bN (cli tasks) -> join -> end."""
    body = '<startEvent id="start"/>\n<parallelGateway id="fork"/>\n<parallelGateway id="join"/>\n'
    body += '<endEvent id="end"/>\n' + flow("f_start", "start", "fork") + flow("f_end", "join", "end")
    for i in range(1, branches + 1):
        body += (
            cli_task(f"b{i}", command)
            + flow(f"to_b{i}", "fork", f"b{i}")
            + flow(f"from_b{i}", f"b{i}", "join")
        )
    return document(process_id, body)
