"""The cli handler, run against real programs: no mocks, no shell."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from engine.handlers.base import HandlerError, ThrowBpmnError
from engine.handlers.cli import OUTPUT_LIMIT_BYTES, TRUNCATION_MARKER, CliHandler
from tests.handlers.jobs import job

PYTHON = sys.executable


def run(fields: dict, variables: dict | None = None, **ids) -> dict:
    return CliHandler().execute(job(fields, variables, **ids))


def python(code: str, **fields: str) -> dict:
    return {"argv": (PYTHON, "-c", code), **fields}


def test_it_runs_the_program_with_rendered_arguments_and_captures_stdout() -> None:
    result = run({"argv": ("echo", "Hello, ${name}!"), "stdoutVariable": "greeting"}, {"name": "World"})
    assert result == {"greeting": "Hello, World!"}


def test_it_returns_no_variables_unless_asked_to() -> None:
    assert run({"argv": ("echo", "ignored")}) == {}


def test_it_captures_stderr_and_the_exit_code() -> None:
    fields = python(
        "import sys; print('out'); print('warn', file=sys.stderr)",
        stderrVariable="log",
        exitCodeVariable="code",
    )
    assert run(fields) == {"log": "warn", "code": 0}


def test_it_passes_shell_syntax_literally_because_there_is_no_shell(tmp_path: Path) -> None:
    marker = tmp_path / "created-by-shell"
    hostile = f"$(touch {marker}); rm -rf {tmp_path} `touch {marker}` | tee {marker} && echo"
    result = run({"argv": ("echo", hostile), "stdoutVariable": "said"})
    assert result == {"said": hostile}
    assert not marker.exists()
    assert tmp_path.exists()


def test_it_passes_variable_values_literally_too(tmp_path: Path) -> None:
    marker = tmp_path / "x"
    value = f"; touch {marker}"
    fields = {"argv": (PYTHON, "-c", "import sys; print(sys.argv[1:])", "${value}"), "stdoutVariable": "args"}
    result = run(fields, {"value": value})
    assert result == {"args": repr([value])}
    assert not marker.exists()


def test_it_fails_with_the_exit_code_and_keeps_the_end_of_stderr_as_details() -> None:
    code = "import sys; sys.stderr.write('x' * 10000 + 'disk full'); sys.exit(3)"
    with pytest.raises(HandlerError) as failure:
        run(python(code))
    assert failure.value.message == f"exit code 3 from '{PYTHON}'"
    assert failure.value.details.endswith("disk full")
    assert len(failure.value.details) <= 4000


def test_it_fails_for_false_with_exit_code_1() -> None:
    with pytest.raises(HandlerError, match="exit code 1 from 'false'"):
        run({"argv": ("false",)})


def test_it_throws_the_bpmn_error_mapped_to_an_exit_code() -> None:
    code = "import sys; sys.stderr.write('card expired'); sys.exit(2)"
    with pytest.raises(ThrowBpmnError) as thrown:
        run(python(code, errorCodes="2=CARD_DECLINED, 3=FRAUD"))
    assert thrown.value.code == "CARD_DECLINED"
    assert thrown.value.message == f"'{PYTHON}' exited with code 2"
    assert thrown.value.details == "card expired"


def test_it_refuses_malformed_or_conflicting_error_codes_at_deployment() -> None:
    problems = CliHandler().validate({"argv": ("true",), "errorCodes": "2=, x=BAD, 0=ZERO"})
    assert problems == [
        "field 'errorCodes': '2=' names no BPMN error code",
        "field 'errorCodes': 'x=BAD' is not <number>=<BPMN error code>",
        "exit code 0 is in both 'successCodes' and 'errorCodes'",
    ]


def test_it_accepts_other_success_codes() -> None:
    fields = python("import sys; sys.exit(3)", successCodes="0, 3", exitCodeVariable="code")
    assert run(fields) == {"code": 3}
    with pytest.raises(HandlerError, match="exit code 0"):
        run(python("pass", successCodes="1,2"))


def test_it_stops_a_program_at_its_timeout_with_everything_it_started() -> None:
    started = time.monotonic()
    with pytest.raises(HandlerError, match=r"did not finish within the timeout of 0\.5 seconds"):
        # The shell's child sleep keeps the output pipes open: it must be stopped as well.
        run({"argv": ("sh", "-c", "sleep 30; echo late"), "timeout": "PT0.5S"})
    assert time.monotonic() - started < 5


def test_it_accepts_a_timeout_in_plain_seconds() -> None:
    with pytest.raises(HandlerError, match=r"timeout of 0\.3 seconds"):
        run({"argv": ("sleep", "10"), "timeout": "0.3"})


def test_it_names_a_program_that_does_not_exist() -> None:
    with pytest.raises(HandlerError, match="program not found: 'no-such-program-bpm-test'"):
        run({"argv": ("no-such-program-bpm-test", "arg")})


def test_it_refuses_an_argument_that_no_program_can_receive() -> None:
    with pytest.raises(HandlerError, match="cannot be run: embedded null byte"):
        run({"argv": ("echo", "${text}")}, {"text": "a\x00b"})


def test_it_names_a_file_that_is_not_executable(tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(HandlerError, match="permission denied"):
        run({"argv": (str(script),)})


def test_it_parses_json_output_into_the_variable() -> None:
    fields = python("import json; print(json.dumps({'total': 12.5, 'items': [1, 2]}))", parseJson="true")
    assert run(fields | {"stdoutVariable": "order"}) == {"order": {"total": 12.5, "items": [1, 2]}}


def test_it_fails_naming_the_node_when_json_output_is_invalid() -> None:
    fields = python("print('not json')", parseJson="true", stdoutVariable="order")
    with pytest.raises(HandlerError, match="service task 'callApi': stdout is not valid JSON") as failure:
        run(fields, node_id="callApi")
    assert failure.value.details.startswith("not json")


def test_it_gives_the_program_the_job_ids_but_not_the_engines_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "engine-secret")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:password@db/bpm")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    fields = python(
        "import json, os; print(json.dumps(dict(os.environ)))", parseJson="true", stdoutVariable="env"
    )
    env = run(fields, instance_id=11, job_id=23, node_id="ship", idempotency_key="abc-123")["env"]
    assert env["BPM_IDEMPOTENCY_KEY"] == "abc-123"
    assert env["BPM_INSTANCE_ID"] == "11"
    assert env["BPM_JOB_ID"] == "23"
    assert env["BPM_NODE_ID"] == "ship"
    assert env["LC_ALL"] == "C.UTF-8"
    assert "PATH" in env
    assert "SECRET_KEY" not in env
    assert "DATABASE_URL" not in env


def test_it_keeps_at_most_one_mebibyte_of_output_and_says_it_cut_the_rest() -> None:
    fields = python("import sys; sys.stdout.write('a' * (3 * 1024 * 1024))", stdoutVariable="out")
    out = run(fields)["out"]
    assert out == "a" * OUTPUT_LIMIT_BYTES + TRUNCATION_MARKER


def test_it_gives_the_program_no_stdin() -> None:
    # `cat` without arguments reads stdin: it must see end-of-file at once, not hang.
    assert run({"argv": ("cat",), "stdoutVariable": "out", "timeout": "PT10S"}) == {"out": ""}


def test_it_runs_in_the_given_working_directory(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    fields = python("import os; print(os.getcwd())", stdoutVariable="cwd", cwd=str(tmp_path) + "/${folder}")
    assert run(fields, {"folder": "work"}) == {"cwd": str((tmp_path / "work").resolve())}


def test_it_names_a_missing_working_directory(tmp_path: Path) -> None:
    with pytest.raises(HandlerError, match=r"working directory '.*nowhere' does not exist"):
        run({"argv": ("echo",), "cwd": str(tmp_path / "nowhere")})


def test_it_renders_structured_variables_as_json() -> None:
    fields = {"argv": ("echo", "${order}"), "stdoutVariable": "said"}
    said = run(fields, {"order": {"id": 5, "lines": ["a"]}})["said"]
    assert json.loads(said) == {"id": 5, "lines": ["a"]}


class TestValidation:
    def test_it_accepts_a_complete_task(self, tmp_path: Path) -> None:
        fields = {
            "argv": ("echo", "${name}"),
            "timeout": "PT30S",
            "cwd": str(tmp_path),
            "stdoutVariable": "out",
            "stderrVariable": "err",
            "exitCodeVariable": "code",
            "parseJson": "false",
            "successCodes": "0,1",
        }
        assert CliHandler().validate(fields) == []

    def test_it_requires_argv(self) -> None:
        assert CliHandler().validate({}) == [
            "field 'argv' is required: the program and its arguments, one <bpm:item> each"
        ]

    def test_it_refuses_argv_as_one_string_rather_than_splitting_it(self) -> None:
        (problem,) = CliHandler().validate({"argv": "rm -rf /tmp/x"})
        assert "must be a list of <bpm:item> elements" in problem

    def test_it_refuses_an_empty_argv(self) -> None:
        assert CliHandler().validate({"argv": ()}) == [
            "field 'argv' is empty: give at least the program to run"
        ]

    def test_it_reports_a_malformed_template_with_its_position(self) -> None:
        (problem,) = CliHandler().validate({"argv": ("echo", "${name")})
        assert problem.startswith("argv item 1 '${name'")

    def test_it_reports_every_problem_at_once(self) -> None:
        fields = {
            "argv": ("echo",),
            "timeout": "soon",
            "stdoutVariable": "my-output",
            "parseJson": "yes",
            "successCodes": "0,one",
            "shell": "true",
        }
        problems = CliHandler().validate(fields)
        assert problems == [
            "unknown field 'shell' (this handler accepts: argv, timeout, cwd, stdoutVariable, "
            "stderrVariable, exitCodeVariable, parseJson, successCodes, errorCodes)",
            "field 'timeout': 'soon' is not a duration; use ISO-8601 such as PT30S, PT5M or P1D, "
            "or a number of seconds",
            "field 'stdoutVariable': 'my-output' is not a valid variable name",
            "field 'parseJson' must be true or false, not 'yes'",
            "field 'successCodes': 'one' is not a whole number",
        ]

    def test_it_needs_a_variable_for_parsed_json(self) -> None:
        (problem,) = CliHandler().validate({"argv": ("echo",), "parseJson": "true"})
        assert "needs 'stdoutVariable'" in problem

    def test_it_refuses_a_list_where_one_value_is_expected(self) -> None:
        (problem,) = CliHandler().validate({"argv": ("echo",), "timeout": ("PT1S", "PT2S")})
        assert problem == "field 'timeout' must be a single value, not a list of items"

    def test_it_will_not_run_a_misconfigured_task(self) -> None:
        with pytest.raises(
            HandlerError, match="service task 'runTool' is misconfigured: field 'argv' is required"
        ):
            run({})
