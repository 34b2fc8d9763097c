"""The `bpm` command line: run a model locally, deploy, start, list and verify instances.

`bpm run` is a contract other tools rely on (see docs/cli.md): its options, its `--json`
document and its exit codes only change compatibly. Exit codes:

    0  completed (or ended by a terminate end event)
    1  failed: an incident is open
    2  bad input: nothing was run (and nothing stored)
    3  waiting: nothing more can happen without outside input
    70 internal error: a bug in bpm (the traceback is printed)

This module only parses arguments, prepares Django and prints; the work is done by
engine.services (and engine.services.local_run for `bpm run`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from engine.bpmn.graph import Node, ProcessGraph
    from engine.services.local_run import RunEvent, RunReport

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_WAITING = 3
#: An unexpected exception: a bug in bpm itself (EX_SOFTWARE from sysexits.h).
EXIT_INTERNAL_ERROR = 70

_STATUS_EXIT_CODES = {
    "completed": EXIT_OK,
    "terminated": EXIT_OK,
    "failed": EXIT_FAILED,
    "waiting": EXIT_WAITING,
}


class BadInput(Exception):
    """The command cannot run as asked; `problems` are printed one per line, exit code 2."""

    def __init__(self, problems: Sequence[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `bpm` console script; returns the process exit code.

    Django is set up from environment variables once per process, so call this once, in a
    fresh process (which is what the console script does).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        # A bug, not a verdict on the model: keep it apart from exit code 1 ("an incident is open").
        traceback.print_exc()
        print("bpm: internal error; please report it with the traceback above", file=sys.stderr)
        return EXIT_INTERNAL_ERROR


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bpm",
        description="Run, deploy and inspect BPMN processes of the bpmportal engine.",
        epilog="Exit codes: 0 completed, 1 failed (incident), 2 bad input, 3 waiting for input.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run a model locally until it ends or needs outside input",
        description="Deploy MODEL into a throwaway database (unless --database is given), start one "
        "instance and run it until it completes or nothing more can happen without outside input.",
    )
    run.add_argument("model", metavar="MODEL.bpmn", help="the BPMN 2.0 file to run")
    run.add_argument("--process", metavar="ID", help="the process to run when the file has several")
    _add_var_option(run)
    run.add_argument(
        "--complete",
        action="append",
        default=[],
        metavar="NODE_ID=JSON",
        help="complete every activation of user task NODE_ID with the variables of this JSON object "
        "(repeatable)",
    )
    run.add_argument(
        "--skip-timers",
        action="store_true",
        help="do not wait for timers: jump to each one's due time, in order (virtual time)",
    )
    run.add_argument("--json", action="store_true", help="print one JSON document instead of the progress")
    _add_database_option(run, "keep the run in this database instead of a throwaway one")
    run.set_defaults(handler=command_run)

    verify = commands.add_parser(
        "verify",
        help="check the event log hash chain and replay of instances",
        description="Check that each instance's event log is intact (hash chain) and that replaying it "
        "gives the stored state. Exit code 1 when any problem is found.",
    )
    verify.add_argument("instance_ids", nargs="*", type=int, metavar="INSTANCE_ID", help="default: all")
    _add_database_option(verify)
    verify.set_defaults(handler=command_verify)

    deploy = commands.add_parser("deploy", help="deploy a BPMN file", description="Deploy a BPMN file.")
    deploy.add_argument("model", metavar="FILE", help="the BPMN 2.0 file to deploy")
    deploy.add_argument("--process", metavar="ID", help="the process to deploy when the file has several")
    _add_database_option(deploy)
    deploy.set_defaults(handler=command_deploy)

    start = commands.add_parser(
        "start",
        help="start an instance of the latest version of a process",
        description="Start an instance of the latest deployed version of process KEY. Its service "
        "tasks are run by the workers.",
    )
    start.add_argument("key", metavar="KEY", help="the process id (definition key)")
    _add_var_option(start)
    start.add_argument("--business-key", metavar="KEY", help="your own reference for this instance")
    _add_database_option(start)
    start.set_defaults(handler=command_start)

    listing = commands.add_parser(
        "list", help="list definitions and instances", description="List deployed definitions and instances."
    )
    listing.add_argument(
        "what", nargs="?", choices=("all", "definitions", "instances"), default="all", help="default: all"
    )
    listing.add_argument("--limit", type=int, default=50, help="most recent instances shown (default 50)")
    _add_database_option(listing)
    listing.set_defaults(handler=command_list)

    worker = commands.add_parser(
        "worker",
        help="run service task jobs until stopped (SIGTERM/SIGINT drain gracefully)",
        description="Claim due jobs, run their handlers and apply their results; also recover the jobs "
        "of workers that died. Run one or many, on one or many hosts. SIGTERM or SIGINT stops claiming, "
        "lets running jobs finish and exits 0. See docs/workers.md.",
    )
    worker.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="jobs run at once (default: BPM_WORKER_CONCURRENCY, else 2)",
    )
    worker.add_argument(
        "--queue",
        choices=("django-q", "threads"),
        help="run jobs in a django-q2 cluster or in threads polling the job table "
        "(default: BPM_JOB_QUEUE, else django-q)",
    )
    _add_database_option(worker)
    worker.set_defaults(handler=command_worker)
    return parser


def _add_var_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a variable (repeatable); VALUE is read as JSON when it is valid JSON "
        '(42, true, [1,2], {"a":1}, "text"), else taken as a string',
    )


def _add_database_option(parser: argparse.ArgumentParser, text: str | None = None) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help=text or "database URL (default: DATABASE_URL, else the embedded SQLite database)",
    )


# -- bpm run ----------------------------------------------------------------------------------


def command_run(args: argparse.Namespace) -> int:
    problems: list[str] = []
    variables = parse_variables(args.var, problems)
    completions = parse_completions(args.complete, problems)
    graph, xml = _read_model(Path(args.model), args.process, problems)
    if graph is not None:
        problems += _completion_problems(completions, graph)
    if problems or xml is None:
        raise BadInput(problems)

    with _database(args.database, throwaway=args.database is None):
        from engine.services import ServiceError
        from engine.services.local_run import DEFAULT_MAX_STEPS, run_local

        definition = _deploy(xml, args.process, args.model)
        display = None if args.json else ProgressDisplay(sys.stdout, graph)
        try:
            report = run_local(
                definition=definition,
                variables=variables,
                complete=completions,
                on_event=display.show if display else None,
                skip_timers=args.skip_timers,
            )
        except ServiceError as error:  # e.g. variables over the engine's size limits
            raise BadInput([str(error)]) from None
        if display is None:
            print(json.dumps(report.to_json(), ensure_ascii=False, default=str))
        else:
            display.summary(report)
        if report.step_limit_reached:
            print(
                f"warning: stopped after {DEFAULT_MAX_STEPS} steps; the process seems to loop forever",
                file=sys.stderr,
            )
    return _STATUS_EXIT_CODES[report.status]


def parse_variables(items: Sequence[str], problems: list[str]) -> dict[str, Any]:
    """`NAME=VALUE` pairs; VALUE is JSON when it parses as JSON, else the text itself."""
    from engine.handlers.fields import is_variable_name

    variables: dict[str, Any] = {}
    for item in items:
        name, separator, raw = item.partition("=")
        if not separator or not is_variable_name(name):
            problems.append(
                f"--var '{item}': expected NAME=VALUE where NAME is a variable name such as order_id"
            )
            continue
        try:
            variables[name] = _strict_json(raw)
        except ValueError:
            variables[name] = raw
    return variables


def _strict_json(text: str) -> Any:
    """JSON as the standard defines it: Python's extra NaN and Infinity are refused (ValueError)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not a JSON value")

    return json.loads(text, parse_constant=refuse)


def parse_completions(items: Sequence[str], problems: list[str]) -> dict[str, dict[str, Any]]:
    """`NODE_ID=JSON` pairs whose JSON is an object of variables."""
    completions: dict[str, dict[str, Any]] = {}
    for item in items:
        node_id, separator, raw = item.partition("=")
        if not separator or not node_id:
            problems.append(
                f"--complete '{item}': expected NODE_ID=JSON, e.g. review='{{\"approved\": true}}'"
            )
            continue
        try:
            value = _strict_json(raw)
        except ValueError as error:
            problems.append(f"--complete {node_id}: '{raw}' is not valid JSON ({error})")
            continue
        if not isinstance(value, dict):
            problems.append(f"--complete {node_id}: expected a JSON object of variables, got '{raw}'")
            continue
        completions[node_id] = value
    return completions


def _read_model(
    path: Path, process_id: str | None, problems: list[str]
) -> tuple[ProcessGraph | None, bytes | None]:
    from bpmportal.env import env_int
    from engine.bpmn import DEFAULT_MAX_BYTES, BpmnError, list_processes, parse_bpmn

    # The same limit deployment applies (settings are not loaded yet: this check comes first).
    max_bytes = env_int("BPM_MAX_BPMN_BYTES", DEFAULT_MAX_BYTES, minimum=1)
    try:
        # Read one byte past the limit, never the whole of an oversized file.
        with path.open("rb") as model_file:
            xml = model_file.read(max_bytes + 1)
    except OSError as error:
        problems.append(f"cannot read {path}: {error.strerror or error}")
        return None, None
    if len(xml) > max_bytes:
        problems.append(f"{path}: the file is larger than the limit of {max_bytes:,} bytes")
        return None, None
    try:
        if process_id is not None:
            known = list_processes(xml, max_bytes=max_bytes)
            if process_id not in {process.id for process in known}:
                listing = ", ".join(f"{p.id}{'' if p.executable else ' (not executable)'}" for p in known)
                problems.append(
                    f"{path}: unknown process id '{process_id}'; the file defines: {listing or 'none'}"
                )
                return None, xml
        return parse_bpmn(xml, process_id=process_id, max_bytes=max_bytes), xml
    except BpmnError as error:
        problems.extend(f"{path}: {problem}" for problem in error.problems)
        return None, xml


def _completion_problems(completions: dict[str, dict[str, Any]], graph: ProcessGraph) -> list[str]:
    from engine.bpmn.graph import NodeKind

    user_tasks = sorted(node.id for node in graph.nodes.values() if node.kind is NodeKind.USER_TASK)
    listing = ", ".join(user_tasks) or "none"
    return [
        f"--complete {node_id}: the process has no user task with this id (user tasks: {listing})"
        for node_id in completions
        if node_id not in user_tasks
    ]


class ProgressDisplay:
    """Prints each step of a run as its event is committed, then a summary."""

    def __init__(self, out: TextIO, graph: ProcessGraph | None):
        self.out = out
        self.graph = graph
        self.marks = _marks(out)
        #: Variables set by a node, shown under the node's line once it completes.
        self.pending_variables: dict[str | None, list[str]] = {}

    def show(self, event: RunEvent) -> None:
        from engine.runtime.events import EventType

        node_id = event.node.id if event.node else None
        match event.type:
            case EventType.INSTANCE_STARTED:
                name = f" ({self.graph.name})" if self.graph and self.graph.name else ""
                process = self.graph.id if self.graph else "process"
                self.line(f"{self.marks['start']} {process}{name} started")
                self.variable_lines(None, event.data.get("variables") or {})
                self.flush(None)
            case EventType.VARIABLES_UPDATED:
                self.variable_lines(node_id, event.data.get("values") or {})
                if node_id is None:
                    self.flush(None)
            case EventType.NODE_COMPLETED:
                self.line(f"{self.marks['done']} {_describe(event.node)}")
                self.flush(node_id)
            case EventType.TASK_WAITING if event.data.get("kind") == "user":
                self.line(f"{self.marks['wait']} waiting: {_describe(event.node)}")
            case EventType.INCIDENT_RAISED:
                self.flush(node_id)
                self.line(
                    f"{self.marks['fail']} incident at {_describe(event.node)}: {event.data.get('error', '')}"
                )
                for detail in str(event.data.get("details") or "").strip().splitlines()[-5:]:
                    self.line(f"    {detail}")
            case EventType.INSTANCE_TERMINATED:
                self.line(f"{self.marks['stop']} terminated by {_describe(event.node)}")
            case EventType.COMPENSATION_STARTED if self.graph is not None:
                undone = self.graph.nodes.get(str(event.data.get("activity")))
                self.line(f"{self.marks['undo']} compensating {_describe(undone)}: {_describe(event.node)}")

    def variable_lines(self, node_id: str | None, values: dict[str, Any]) -> None:
        lines = self.pending_variables.setdefault(node_id, [])
        for name, value in values.items():
            text = json.dumps(value, ensure_ascii=False, default=str)
            lines.append(f"    {name} = {text if len(text) <= 100 else text[:97] + '...'}")

    def flush(self, node_id: str | None) -> None:
        for line in self.pending_variables.pop(node_id, []):
            self.line(line)

    def summary(self, report: RunReport) -> None:
        for node_id in list(self.pending_variables):
            self.flush(node_id)
        steps = f"{len(report.completed_nodes)} step{'s' if len(report.completed_nodes) != 1 else ''}"
        match report.status:
            case "completed":
                self.line(f"{self.marks['end']} completed ({steps}, instance {report.instance_id})")
            case "terminated":
                self.line(f"{self.marks['stop']} terminated ({steps}, instance {report.instance_id})")
            case "failed":
                count = len(report.incidents)
                self.line(
                    f"{self.marks['fail']} failed: {count} open incident{'s' if count != 1 else ''} "
                    f"({steps}, instance {report.instance_id})"
                )
            case _:
                waiting = ", ".join(report.waiting_on) or "nothing"
                self.line(
                    f"{self.marks['wait']} waiting on {waiting} ({steps}, instance {report.instance_id})"
                )
                for node_id in dict.fromkeys(report.waiting_on):
                    node = report.graph.nodes.get(node_id)
                    if node is not None and node.user_task is not None:
                        self.line(f"  to complete it: --complete {node_id}='{_example_completion(node)}'")
        self.line(f"  variables: {json.dumps(report.variables, ensure_ascii=False, default=str)}")

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def _example_completion(node: Node) -> str:
    """A JSON object with the task's form fields and a placeholder of each field's type."""
    placeholders = {"boolean": True, "long": 1, "double": 1.5, "date": "2025-01-31"}
    example: dict[str, Any] = {}
    for form_field in node.user_task.form_fields if node.user_task else ():
        if form_field.type == "enum" and form_field.values:
            example[form_field.id] = form_field.values[0][0]
        else:
            example[form_field.id] = placeholders.get(form_field.type, "...")
    return json.dumps(example, ensure_ascii=False)


def _describe(node: Node | None) -> str:
    if node is None:
        return "the process"
    return f"{node.name} ({node.kind.value} {node.id})" if node.name else f"{node.kind.value} {node.id}"


def _marks(out: TextIO) -> dict[str, str]:
    fancy = {"start": "▶", "done": "✓", "wait": "⏸", "fail": "✗", "stop": "■", "end": "●", "undo": "↺"}
    try:
        "".join(fancy.values()).encode(out.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return {"start": ">", "done": "+", "wait": "~", "fail": "x", "stop": "#", "end": "=", "undo": "<"}
    return fancy


# -- bpm verify / deploy / start / list -------------------------------------------------------


def command_verify(args: argparse.Namespace) -> int:
    with _database(args.database, throwaway=False):
        from engine.store.models import ProcessInstance
        from engine.store.verify import verify_instance

        instances = ProcessInstance.objects.select_related("definition").order_by("pk")
        if args.instance_ids:
            instances = instances.filter(pk__in=args.instance_ids)
            missing = sorted(set(args.instance_ids) - {instance.pk for instance in instances})
            if missing:
                raise BadInput([f"no instance with id {instance_id}" for instance_id in missing])
        damaged = 0
        for instance in instances.iterator():
            problems = verify_instance(instance)
            label = f"instance {instance.pk} ({instance.definition})"
            if problems:
                damaged += 1
                print(f"{label}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
                for problem in problems:
                    print(f"    {problem}")
            else:
                print(f"{label}: OK ({instance.last_seq} events)")
        checked = instances.count()
        print(f"{checked} instance{'s' if checked != 1 else ''} checked, {damaged} with problems")
    return EXIT_FAILED if damaged else EXIT_OK


def command_deploy(args: argparse.Namespace) -> int:
    problems: list[str] = []
    _graph, xml = _read_model(Path(args.model), args.process, problems)
    if problems or xml is None:
        raise BadInput(problems)
    with _database(args.database, throwaway=False):
        definition = _deploy(xml, args.process, args.model)
        print(f"deployed {definition.key} version {definition.version} (definition {definition.pk})")
    return EXIT_OK


def command_start(args: argparse.Namespace) -> int:
    problems: list[str] = []
    variables = parse_variables(args.var, problems)
    if problems:
        raise BadInput(problems)
    with _database(args.database, throwaway=False):
        from engine.services import NotFound, ServiceError, start_instance
        from engine.store.models import ProcessDefinition

        try:
            instance = start_instance(key=args.key, variables=variables, business_key=args.business_key)
        except NotFound as error:
            known = sorted(set(ProcessDefinition.objects.values_list("key", flat=True)))
            raise BadInput([f"{error} (deployed: {', '.join(known) or 'none'})"]) from None
        except ServiceError as error:
            raise BadInput([str(error)]) from None
        print(f"started instance {instance.pk} of {instance.definition} ({instance.status})")
    return EXIT_OK


def command_list(args: argparse.Namespace) -> int:
    with _database(args.database, throwaway=False):
        from django.db.models import Count, Q

        from engine.store.models import ProcessDefinition, ProcessInstance

        if args.what in ("all", "definitions"):
            rows = [("KEY", "VERSION", "NAME", "RUNNING", "INSTANCES", "DEPLOYED")]
            definitions = ProcessDefinition.objects.annotate(
                total=Count("instances"), running=Count("instances", filter=Q(instances__status="running"))
            ).order_by("key", "-version")
            rows += [
                (
                    d.key,
                    str(d.version),
                    d.name,
                    str(d.running),
                    str(d.total),
                    f"{d.deployed_at:%Y-%m-%d %H:%M}",
                )
                for d in definitions
            ]
            _print_table("Definitions", rows)
        if args.what in ("all", "instances"):
            rows = [("ID", "PROCESS", "STATUS", "BUSINESS KEY", "INCIDENTS", "STARTED")]
            instances = (
                ProcessInstance.objects.select_related("definition")
                .annotate(open_incidents=Count("incidents", filter=Q(incidents__resolved_at__isnull=True)))
                .order_by("-pk")[: max(args.limit, 0)]
            )
            rows += [
                (
                    str(i.pk),
                    str(i.definition),
                    i.status,
                    i.business_key or "",
                    str(i.open_incidents),
                    f"{i.started_at:%Y-%m-%d %H:%M}",
                )
                for i in instances
            ]
            _print_table("Instances", rows)
    return EXIT_OK


def _print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    print(f"{title}:")
    if len(rows) == 1:
        print("  (none)")
        return
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


# -- bpm worker -------------------------------------------------------------------------------


def command_worker(args: argparse.Namespace) -> int:
    # Read by the settings (the django-q2 cluster configuration), so set before Django starts.
    if args.concurrency:
        os.environ["BPM_WORKER_CONCURRENCY"] = str(args.concurrency)
    if args.queue:
        os.environ["BPM_JOB_QUEUE"] = args.queue
    with _database(args.database, throwaway=False):
        from engine.worker.loop import Worker

        worker = Worker()
        worker.install_signal_handlers()
        print(
            f"bpm worker {worker.owner}: running ({worker.queue}, concurrency {worker.concurrency}); "
            "SIGTERM to stop",
            flush=True,
        )
        return worker.run()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


# -- shared plumbing --------------------------------------------------------------------------


def _deploy(xml: bytes, process_id: str | None, source: str) -> Any:
    """The deployed definition; a model the engine refuses is bad input (the transaction rolled back)."""
    from engine.services import DeploymentError, deploy

    try:
        return deploy(xml, process_id=process_id)
    except DeploymentError as error:
        raise BadInput([f"{source}: {problem}" for problem in error.problems]) from None


@contextmanager
def _database(url: str | None, *, throwaway: bool) -> Iterator[None]:
    """Set Django up on the right database and bring its tables up to date.

    A throwaway database (`bpm run` without --database) is a fresh SQLite file in a temporary
    directory, deleted afterwards; otherwise `url`, else the configured database. The
    environment must be set before django.setup(), because settings are read once, at import.
    """
    directory = None
    if throwaway:
        directory = Path(tempfile.mkdtemp(prefix="bpm-run-"))
        os.environ["BPM_DATA_DIR"] = str(directory)
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'run.sqlite3'}"
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        # Jobs run right here; no worker will ever read a queue in a throwaway database.
        os.environ["BPM_JOB_QUEUE"] = "threads"
    elif url:
        os.environ["DATABASE_URL"] = url
    try:
        _setup_django()
        yield
    finally:
        if directory is not None:
            from django.db import connections

            connections.close_all()
            shutil.rmtree(directory, ignore_errors=True)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bpmportal.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import call_command
    from django.db import DatabaseError

    try:
        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
    except ImproperlyConfigured as error:  # e.g. a DATABASE_URL of an unknown kind
        raise BadInput([f"configuration: {error}"]) from None
    except DatabaseError as error:  # unreachable server, missing database, no permission
        raise BadInput([f"database: {str(error).strip().splitlines()[0]}"]) from None


if __name__ == "__main__":
    sys.exit(main())
