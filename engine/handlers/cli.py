"""The `cli` handler: runs a program with arguments, never through a shell.

Each `argv` item is one argument, rendered as a template against the instance variables
(`${name}`), so a value such as `$(rm -rf ~)` reaches the program as literal text: there is no
shell to interpret it. The program gets a minimal environment (no DATABASE_URL, no SECRET_KEY)
plus the job's identifiers, including the idempotency key that stays the same across retries.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, cast

from engine.expressions import ExpressionError, check_template, render_template
from engine.handlers.base import FieldValue, HandlerError, JobContext, ThrowBpmnError
from engine.handlers.fields import (
    is_variable_name,
    parse_seconds,
    read_error_codes,
    single_value,
    unknown_field_problems,
)

#: Output kept per stream; the rest is read and dropped so a chatty program cannot exhaust memory.
OUTPUT_LIMIT_BYTES = 1024 * 1024
TRUNCATION_MARKER = "\n[... output truncated: more than 1 MiB ...]"
#: How much of stderr an incident keeps as its details.
DETAILS_TAIL_CHARS = 4000
#: Used when neither the task nor the settings give a time limit.
FALLBACK_TIMEOUT_SECONDS = 300.0

#: Variables a program may reasonably need to run (locale, home, temp dir, program lookup).
#: Everything else in the engine's environment, secrets included, stays out.
_INHERITED_ENVIRONMENT = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",
    "COMSPEC",
    "PATHEXT",
)

_VARIABLE_FIELDS = ("stdoutVariable", "stderrVariable", "exitCodeVariable")
FIELDS = ("argv", "timeout", "cwd", *_VARIABLE_FIELDS, "parseJson", "successCodes", "errorCodes")


@dataclass(frozen=True, slots=True)
class CliTask:
    """A service task's fields, checked and converted."""

    argv: tuple[str, ...]
    timeout: float | None
    cwd: str | None
    stdout_variable: str | None
    stderr_variable: str | None
    exit_code_variable: str | None
    parse_json: bool
    success_codes: frozenset[int]
    #: Exit code -> BPMN error code: outcomes the process models (a boundary event catches them).
    error_codes: Mapping[int, str]


@dataclass(frozen=True, slots=True)
class CapturedRun:
    returncode: int
    stdout: str
    stderr: str


class CliHandler:
    type = "cli"

    def validate(self, fields: Mapping[str, FieldValue]) -> list[str]:
        return read_task(fields)[1]

    def execute(self, context: JobContext) -> dict[str, Any]:
        task, problems = read_task(context.fields)
        if task is None:
            raise HandlerError(f"service task '{context.node_id}' is misconfigured: " + "; ".join(problems))
        argv = [
            _render(f"argv item {index}", item, context.variables) for index, item in enumerate(task.argv)
        ]
        cwd = _render("cwd", task.cwd, context.variables) if task.cwd else None
        if cwd is not None and not os.path.isdir(cwd):
            raise HandlerError(f"working directory '{cwd}' does not exist")
        run = run_captured(
            argv, cwd=cwd, env=job_environment(context), timeout=task.timeout or default_timeout()
        )
        if run.returncode in task.error_codes:
            raise ThrowBpmnError(
                task.error_codes[run.returncode],
                f"'{argv[0]}' exited with code {run.returncode}",
                details=run.stderr[-DETAILS_TAIL_CHARS:],
            )
        if run.returncode not in task.success_codes:
            raise HandlerError(
                _failure_message(argv[0], run.returncode), details=run.stderr[-DETAILS_TAIL_CHARS:]
            )
        return _result_variables(task, run, context.node_id)


def read_task(fields: Mapping[str, FieldValue]) -> tuple[CliTask | None, list[str]]:
    """The task's settings, or None with every problem found in its fields."""
    problems = unknown_field_problems(fields, known=FIELDS)
    argv = _read_argv(fields.get("argv"), problems)
    strings: dict[str, str | None] = {}
    for name in FIELDS[1:]:
        try:
            strings[name] = single_value(fields, name)
        except ValueError as error:
            problems.append(str(error))
            strings[name] = None
    timeout = _read_timeout(strings["timeout"], problems)
    if strings["cwd"] is not None:
        _check_template("cwd", strings["cwd"], problems)
    for name in _VARIABLE_FIELDS:
        value = strings[name]
        if value is not None and not is_variable_name(value):
            problems.append(f"field '{name}': '{value}' is not a valid variable name")
    parse_json = _read_flag("parseJson", strings["parseJson"], problems)
    if parse_json and strings["stdoutVariable"] is None:
        problems.append(
            "field 'parseJson' needs 'stdoutVariable' to name the variable that receives the JSON"
        )
    success_codes = _read_success_codes(strings["successCodes"], problems)
    error_codes = read_error_codes(strings["errorCodes"], problems)
    for code in sorted(success_codes & error_codes.keys()):
        problems.append(f"exit code {code} is in both 'successCodes' and 'errorCodes'")
    if problems:
        return None, problems
    task = CliTask(
        argv=argv,
        timeout=timeout,
        cwd=strings["cwd"],
        stdout_variable=strings["stdoutVariable"],
        stderr_variable=strings["stderrVariable"],
        exit_code_variable=strings["exitCodeVariable"],
        parse_json=parse_json,
        success_codes=success_codes,
        error_codes=error_codes,
    )
    return task, []


def default_timeout() -> float:
    """The installation's default (setting BPM_CLI_TIMEOUT), or 300 s outside a configured project."""
    from django.conf import settings

    if not settings.configured:
        return FALLBACK_TIMEOUT_SECONDS
    return float(getattr(settings, "BPM_CLI_TIMEOUT", FALLBACK_TIMEOUT_SECONDS))


def job_environment(context: JobContext) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name in _INHERITED_ENVIRONMENT or name.startswith("LC_")
    }
    env.update(
        BPM_IDEMPOTENCY_KEY=context.idempotency_key,
        BPM_INSTANCE_ID=str(context.instance_id),
        BPM_JOB_ID=str(context.job_id),
        BPM_NODE_ID=context.node_id,
    )
    return env


def run_captured(argv: list[str], *, cwd: str | None, env: Mapping[str, str], timeout: float) -> CapturedRun:
    """Run `argv` without a shell, stdin closed, output capped; raise HandlerError if it cannot finish.

    The program runs in its own process group so that a timeout also stops whatever it started
    (`sh -c "sleep 100"` would otherwise leave the sleep running and holding our pipes open).
    """
    deadline = time.monotonic() + timeout
    try:
        process = subprocess.Popen(  # noqa: S603 - argv list, no shell: arguments are never interpreted
            argv,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=os.name == "posix",
        )
    except FileNotFoundError:
        raise HandlerError(f"program not found: '{argv[0]}' (looked in PATH={env.get('PATH', '')})") from None
    except PermissionError:
        raise HandlerError(f"program '{argv[0]}' cannot be run: permission denied") from None
    except OSError as error:
        raise HandlerError(f"program '{argv[0]}' cannot be run: {error.strerror or error}") from None
    except ValueError as error:  # an argument with a NUL character: no program can receive it
        raise HandlerError(f"program '{argv[0]}' cannot be run: {error}") from None
    # Both are pipes (see above), never None.
    stdout, stderr = (
        _CappedReader(cast(IO[bytes], process.stdout)),
        _CappedReader(cast(IO[bytes], process.stderr)),
    )
    try:
        process.wait(timeout=max(deadline - time.monotonic(), 0))
        # The program is gone, but something it started may still hold the pipes open.
        stdout.join(deadline)
        stderr.join(deadline)
        if stdout.is_alive() or stderr.is_alive():
            raise subprocess.TimeoutExpired(argv, timeout)
    except subprocess.TimeoutExpired:
        _kill_process_group(process)
        raise HandlerError(
            f"'{argv[0]}' did not finish within the timeout of {timeout:g} seconds and was stopped",
            details=stderr.text()[-DETAILS_TAIL_CHARS:],
        ) from None
    finally:
        # Reap the process and close the pipes whatever happened, so nothing is left behind.
        if process.poll() is None:
            _kill_process_group(process)
        stdout.join(time.monotonic() + 5)
        stderr.join(time.monotonic() + 5)
    return CapturedRun(process.returncode, stdout.text(), stderr.text())


class _CappedReader:
    """Drains one pipe in a thread, keeping at most OUTPUT_LIMIT_BYTES of it."""

    def __init__(self, pipe: IO[bytes]):
        self._pipe = pipe
        self._kept = bytearray()
        self._truncated = False
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        with self._pipe:
            while chunk := self._pipe.read1(65536):  # type: ignore[attr-defined]
                room = OUTPUT_LIMIT_BYTES - len(self._kept)
                if len(chunk) > room:
                    self._truncated = True
                self._kept += chunk[: max(room, 0)]

    def join(self, deadline: float) -> None:
        self._thread.join(timeout=max(deadline - time.monotonic(), 0))

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def text(self) -> str:
        text = bytes(self._kept).decode("utf-8", errors="replace")
        return text + TRUNCATION_MARKER if self._truncated else text


def _kill_process_group(process: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass  # already gone
    process.wait()


def _result_variables(task: CliTask, run: CapturedRun, node_id: str) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if task.stdout_variable:
        stdout = run.stdout.rstrip("\r\n")
        if task.parse_json:
            try:
                variables[task.stdout_variable] = json.loads(stdout)
            except json.JSONDecodeError as error:
                raise HandlerError(
                    f"service task '{node_id}': stdout is not valid JSON ({error}) but parseJson is true",
                    details=run.stdout[:DETAILS_TAIL_CHARS],
                ) from None
        else:
            variables[task.stdout_variable] = stdout
    if task.stderr_variable:
        variables[task.stderr_variable] = run.stderr.rstrip("\r\n")
    if task.exit_code_variable:
        variables[task.exit_code_variable] = run.returncode
    return variables


def _failure_message(program: str, returncode: int) -> str:
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"'{program}' was killed by signal {name}"
    return f"exit code {returncode} from '{program}'"


def _render(what: str, template: str, variables: Mapping[str, Any]) -> str:
    try:
        return render_template(template, variables)
    except ExpressionError as error:
        raise HandlerError(f"{what} '{template}' cannot be rendered: {error.message}") from None


def _read_argv(raw: FieldValue | None, problems: list[str]) -> tuple[str, ...]:
    if raw is None:
        problems.append("field 'argv' is required: the program and its arguments, one <bpm:item> each")
        return ()
    if isinstance(raw, str):
        # One string would need shell-style splitting, exactly what this handler refuses to do.
        problems.append(
            "field 'argv' must be a list of <bpm:item> elements, one per argument "
            f"(got the single value '{raw}')"
        )
        return ()
    if not raw:
        problems.append("field 'argv' is empty: give at least the program to run")
    for index, item in enumerate(raw):
        _check_template(f"argv item {index}", item, problems)
    if raw and not raw[0].strip():
        problems.append("field 'argv': the first item (the program) is blank")
    return tuple(raw)


def _check_template(what: str, template: str, problems: list[str]) -> None:
    try:
        check_template(template)
    except ExpressionError as error:
        problems.append(f"{what} '{template}': {error.message}")


def _read_timeout(raw: str | None, problems: list[str]) -> float | None:
    if raw is None:
        return None
    try:
        return parse_seconds(raw)
    except ValueError as error:
        problems.append(f"field 'timeout': {error}")
        return None


def _read_flag(name: str, raw: str | None, problems: list[str]) -> bool:
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in {"true", "false"}:
        problems.append(f"field '{name}' must be true or false, not '{raw}'")
    return value == "true"


def _read_success_codes(raw: str | None, problems: list[str]) -> frozenset[int]:
    if raw is None:
        return frozenset({0})
    codes = set()
    for part in raw.split(","):
        try:
            codes.add(int(part.strip()))
        except ValueError:
            problems.append(f"field 'successCodes': '{part.strip()}' is not a whole number")
    return frozenset(codes)
