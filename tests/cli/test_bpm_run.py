"""`bpm run`: the contract external tools rely on (see docs/cli.md), checked on the real command."""

from __future__ import annotations

from pathlib import Path

from tests.cli.bpm import EXAMPLES, bpm, count_rows, run_json, sqlite_url, write_model

HELLO = str(EXAMPLES / "hello.bpmn")
ORDER = str(EXAMPLES / "order.bpmn")


def test_it_runs_hello_world_to_completion_with_the_json_contract(tmp_path: Path) -> None:
    code, report, _ = run_json(HELLO, "--var", "name=World", data_dir=tmp_path)
    assert code == 0
    assert report == {
        "status": "completed",
        "variables": {
            "name": "World",
            "greeting": "Hello, World!",
            "output": "Hello, World! Nice to meet all of you.",
        },
        "completed_nodes": ["start", "compose", "whom", "greetEveryone", "merge", "end"],
        "waiting_on": [],
        "incidents": [],
    }


def test_it_takes_the_default_branch_for_someone_else(tmp_path: Path) -> None:
    code, report, _ = run_json(HELLO, "--var", "name=Ada", data_dir=tmp_path)
    assert code == 0
    assert report["completed_nodes"] == ["start", "compose", "whom", "greetPerson", "merge", "end"]
    assert report["variables"]["output"] == "Hello, Ada!"


def test_it_shows_progress_as_the_nodes_run(tmp_path: Path) -> None:
    result = bpm("run", HELLO, "--var", "name=World", data_dir=tmp_path)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "▶ hello (Hello) started"
    assert "✓ Compose greeting (scriptTask compose)" in lines
    assert '    greeting = "Hello, World!"' in lines
    assert "✓ exclusiveGateway merge" in lines
    assert lines.index("✓ Compose greeting (scriptTask compose)") < lines.index(
        "✓ Greet everyone (serviceTask greetEveryone)"
    )
    assert lines[-2].startswith("● completed (6 steps, instance 1)")


def test_it_reads_var_values_as_json_when_they_are_json(tmp_path: Path) -> None:
    code, report, _ = run_json(
        HELLO,
        *("--var", "name=World", "--var", "count=42", "--var", "ratio=0.5", "--var", "flag=true"),
        *("--var", "nothing=null", "--var", "items=[1, 2]", "--var", 'order={"id": 7}'),
        *("--var", 'quoted="42"', "--var", "plain=hello world", "--var", "empty=", "--var", "eq=a=b"),
        *("--var", "nan=NaN", "--var", "inf=-Infinity"),
        data_dir=tmp_path,
    )
    assert code == 0
    variables = report["variables"]
    assert variables["count"] == 42
    assert variables["ratio"] == 0.5
    assert variables["flag"] is True
    assert variables["nothing"] is None
    assert variables["items"] == [1, 2]
    assert variables["order"] == {"id": 7}
    assert variables["quoted"] == "42"
    assert variables["plain"] == "hello world"
    assert variables["empty"] == ""
    assert variables["eq"] == "a=b"
    assert variables["nan"] == "NaN"  # not JSON, so text (Python's json would read a float)
    assert variables["inf"] == "-Infinity"


def test_it_stops_at_a_user_task_nobody_completes_with_exit_code_3(tmp_path: Path) -> None:
    code, report, _ = run_json(ORDER, "--var", "orderId=A-1001", "--var", "total=99.5", data_dir=tmp_path)
    assert code == 3
    assert report["status"] == "waiting"
    assert report["waiting_on"] == ["review"]
    assert report["completed_nodes"] == ["received"]


def test_it_completes_user_tasks_and_runs_parallel_branches(tmp_path: Path) -> None:
    code, report, _ = run_json(
        ORDER,
        *("--var", "orderId=A-1001", "--var", "total=99.5", "--complete", 'review={"approved": true}'),
        data_dir=tmp_path,
    )
    assert code == 0
    assert report["status"] == "completed"
    nodes = report["completed_nodes"]
    assert nodes[:4] == ["received", "review", "decision", "fulfil"]
    assert sorted(nodes[4:6]) == ["chargePayment", "reserveStock"]
    assert nodes[6:] == ["fulfilled", "ship", "shipped"]
    assert report["variables"] == {
        "orderId": "A-1001",
        "total": 99.5,
        "approved": True,
        "stockReserved": True,
        "receipt": "charged 99.5 EUR for order A-1001",
        "status": "shipped",
    }


def test_it_completes_every_activation_of_a_user_task(tmp_path: Path) -> None:
    model = write_model(
        tmp_path,
        """
        <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
        <bpmn:parallelGateway id="split"/>
        <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="approve"/>
        <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="approve"/>
        <bpmn:userTask id="approve"/>
        <bpmn:sequenceFlow id="f4" sourceRef="approve" targetRef="e"/><bpmn:endEvent id="e"/>
        """,
    )
    code, report, _ = run_json(str(model), "--complete", 'approve={"ok": 1}', data_dir=tmp_path)
    assert code == 0
    assert report["completed_nodes"].count("approve") == 2
    assert report["completed_nodes"].count("e") == 2


def test_it_reports_a_failing_command_as_an_incident_with_exit_code_1(tmp_path: Path) -> None:
    model = write_model(
        tmp_path,
        """
        <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fail"/>
        <bpmn:serviceTask id="fail" bpm:type="cli"><bpmn:extensionElements>
          <bpm:field name="argv"><bpm:item>false</bpm:item></bpm:field>
        </bpmn:extensionElements></bpmn:serviceTask>
        <bpmn:sequenceFlow id="f2" sourceRef="fail" targetRef="e"/><bpmn:endEvent id="e"/>
        """,
    )
    code, report, _ = run_json(str(model), data_dir=tmp_path)
    assert code == 1
    assert report["status"] == "failed"
    assert report["incidents"] == [{"node": "fail", "error": "exit code 1 from 'false'"}]
    assert report["completed_nodes"] == ["s"]

    shown = bpm("run", str(model), data_dir=tmp_path)
    assert shown.returncode == 1
    assert "✗ incident at serviceTask fail: exit code 1 from 'false'" in shown.stdout


def test_it_treats_a_terminate_end_event_as_success(tmp_path: Path) -> None:
    model = write_model(
        tmp_path,
        """
        <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
        <bpmn:parallelGateway id="split"/>
        <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="forever"/>
        <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="stop"/>
        <bpmn:userTask id="forever"/>
        <bpmn:endEvent id="stop"><bpmn:terminateEventDefinition/></bpmn:endEvent>
        <bpmn:sequenceFlow id="f4" sourceRef="forever" targetRef="e"/><bpmn:endEvent id="e"/>
        """,
    )
    code, report, _ = run_json(str(model), data_dir=tmp_path)
    assert code == 0
    assert report["status"] == "terminated"
    assert report["waiting_on"] == []


def test_it_refuses_bad_arguments_listing_every_problem_and_runs_nothing(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    result = bpm(
        "run",
        ORDER,
        *("--var", "no-equals-sign", "--var", "2bad=1", "--complete", "review=[1]"),
        *("--complete", "review2", "--complete", 'revew={"approved": true}'),
        *("--json", "--database", sqlite_url(database)),
        data_dir=tmp_path,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    errors = result.stderr.splitlines()
    assert (
        "error: --var 'no-equals-sign': expected NAME=VALUE where NAME is a variable name such as order_id"
        in errors
    )
    assert any(line.startswith("error: --var '2bad=1'") for line in errors)
    assert "error: --complete review: expected a JSON object of variables, got '[1]'" in errors
    assert any(line.startswith("error: --complete 'review2': expected NODE_ID=JSON") for line in errors)
    assert "error: --complete revew: the process has no user task with this id (user tasks: review)" in errors
    assert count_rows(database, "engine_processinstance") == 0


def test_it_refuses_an_invalid_model_naming_element_and_line_and_stores_nothing(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    model = write_model(
        tmp_path,
        """
        <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
        <bpmn:serviceTask id="work"/>
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="missing"/>
        """,
    )
    result = bpm("run", str(model), "--database", sqlite_url(database), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{model}: line 6, serviceTask 'work'" in result.stderr
    assert "'missing'" in result.stderr
    assert count_rows(database, "engine_processdefinition") == 0


def test_it_refuses_bad_handler_fields_at_deployment_and_stores_nothing(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    model = write_model(
        tmp_path,
        """
        <bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>
        <bpmn:serviceTask id="work" bpm:type="cli"><bpmn:extensionElements>
          <bpm:field name="argv"><bpm:item>echo</bpm:item></bpm:field>
          <bpm:field name="tmeout" value="PT5S"/>
        </bpmn:extensionElements></bpmn:serviceTask>
        <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="e"/><bpmn:endEvent id="e"/>
        """,
    )
    result = bpm("run", str(model), "--database", sqlite_url(database), data_dir=tmp_path)
    assert result.returncode == 2
    assert "serviceTask 'work'" in result.stderr
    assert "unknown field 'tmeout'" in result.stderr
    assert count_rows(database, "engine_processdefinition") == 0


def test_it_refuses_a_file_with_external_entities(tmp_path: Path) -> None:
    model = tmp_path / "xxe.bpmn"
    model.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
        ' id="d" targetNamespace="t">'
        '<bpmn:process id="p" name="&secret;" isExecutable="true"><bpmn:startEvent id="s"/></bpmn:process>'
        "</bpmn:definitions>\n"
    )
    result = bpm("run", str(model), "--json", data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "root:" not in result.stderr
    assert result.stderr.startswith(f"error: {model}")


def test_it_refuses_an_unknown_process_id_listing_the_ones_in_the_file(tmp_path: Path) -> None:
    result = bpm("run", HELLO, "--process", "helo", data_dir=tmp_path)
    assert result.returncode == 2
    assert f"error: {HELLO}: unknown process id 'helo'; the file defines: hello" in result.stderr


def test_it_refuses_a_file_it_cannot_read(tmp_path: Path) -> None:
    result = bpm("run", str(tmp_path / "nowhere.bpmn"), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: cannot read {tmp_path / 'nowhere.bpmn'}: No such file or directory\n"


def test_it_refuses_a_file_over_the_size_limit_without_reading_all_of_it(tmp_path: Path) -> None:
    huge = tmp_path / "huge.bpmn"
    with huge.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024)  # sparse: 64 MiB on paper, nothing on disk
    result = bpm("run", str(huge), data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: {huge}: the file is larger than the limit of 10,485,760 bytes\n"


def test_it_lists_every_problem_of_the_broken_example_as_the_readme_shows(tmp_path: Path) -> None:
    result = bpm("run", "examples/broken.bpmn", data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: examples/broken.bpmn: line 7, serviceTask 'work': service task has no bpm:type "
        '(the handler that runs it, e.g. bpm:type="cli")',
        "error: examples/broken.bpmn: line 9, sequenceFlow 'toEnd': targetRef 'finish' is not a flow element "
        "of process 'broken'",
    ]


def test_it_refuses_a_database_it_cannot_use_as_bad_input(tmp_path: Path) -> None:
    unknown = bpm("run", HELLO, "--database", "foo://bar", data_dir=tmp_path)
    assert (unknown.returncode, unknown.stderr.count("\n")) == (2, 1)
    assert "unknown scheme" in unknown.stderr and "Traceback" not in unknown.stderr
    missing = bpm(
        "run", HELLO, "--database", "postgres://postgres@127.0.0.1:5432/no_such_db_here", data_dir=tmp_path
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: database: ") and "Traceback" not in missing.stderr


def test_it_keeps_the_run_in_the_given_database(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    code, _, _ = run_json(HELLO, "--var", "name=World", "--database", sqlite_url(database), data_dir=tmp_path)
    assert code == 0
    assert count_rows(database, "engine_processinstance") == 1
    assert count_rows(database, "engine_event") > 0


def test_it_leaves_no_throwaway_database_behind(tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    result = bpm("run", HELLO, "--var", "name=World", "--skip-timers", data_dir=tmp_path, TMPDIR=str(temp))
    assert result.returncode == 0
    assert list(temp.iterdir()) == []
