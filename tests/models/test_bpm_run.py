"""`bpm run --json` on corpus models and on bad input, as a user runs it: a real subprocess.

Exit codes: 0 completed or terminated, 1 failed (incident), 2 bad input (nothing run or
stored), 3 waiting. The JSON document is compared with the same expectations the in-process
corpus test uses (tests/models/expectations.py), so the two can never disagree silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.bpm import bpm, count_rows, run_json, sqlite_url
from tests.models.expectations import CASES, Case

MODELS = Path(__file__).resolve().parent / "bpmn"
DEFINITIONS_TABLE = "engine_processdefinition"


# Models `bpm run` must refuse (exit code 2, nothing stored).
MALFORMED_XML = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">
  <bpmn:process id="broken_xml" isExecutable="true">
    <bpmn:startEvent id="start">
  </bpmn:process>
</bpmn:definitions>
"""
XXE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <process id="xxe" isExecutable="true">
    <startEvent id="start" name="&secret;"/>
    <endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="end"/>
  </process>
</definitions>
"""
BILLION_LAUGHS = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE definitions [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="urn:test">
  <process id="laughs" isExecutable="true">
    <startEvent id="start" name="&lol9;"/>
  </process>
</definitions>
"""
CALL_ACTIVITY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">
  <bpmn:process id="calls_another" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:callActivity id="call_billing" calledElement="billing"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call_billing"/>
    <bpmn:sequenceFlow id="f2" sourceRef="call_billing" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""
FLOW_TO_NOWHERE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:bpm="urn:bpmportal:bpm:1.0" id="defs" targetNamespace="urn:test">
  <bpmn:process id="dangling" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:task id="work"/>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:sequenceFlow id="f_lost" sourceRef="work" targetRef="nowhere"/>
  </bpmn:process>
</bpmn:definitions>
"""


def line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


def case(case_id: str) -> Case:
    return next(c for c in CASES if c.id == case_id)


def run_arguments(case: Case) -> list[str]:
    arguments = [str(MODELS / f"{case.model}.bpmn")]
    for name, value in case.variables.items():
        arguments += ["--var", f"{name}={json.dumps(value)}"]
    for node_id, variables in case.complete.items():
        arguments += ["--complete", f"{node_id}={json.dumps(variables)}"]
    return arguments


@pytest.mark.parametrize(
    ("case_id", "exit_code"),
    [
        ("25-user-task-decision[approved]", 0),
        ("23-terminate-process[terminated while another branch runs]", 0),
        ("26-user-task-waiting[nobody signs]", 3),
        ("36-script-error[division by zero]", 1),
    ],
)
def test_it_reports_the_run_as_json_with_the_exit_code_of_its_status(
    case_id: str, exit_code: int, tmp_path: Path
) -> None:
    expected = case(case_id)
    code, document, _stderr = run_json(*run_arguments(expected), data_dir=tmp_path)

    assert code == exit_code
    assert {key: document[key] for key in ("status", "completed_nodes", "waiting_on", "variables")} == {
        "status": expected.status,
        "completed_nodes": expected.path,
        "waiting_on": expected.waiting_on,
        "variables": expected.final_variables,
    }
    assert [incident["node"] for incident in document["incidents"]] == expected.incident_nodes


def test_it_names_the_failing_node_in_the_incident(tmp_path: Path) -> None:
    _code, document, _stderr = run_json(
        *run_arguments(case("36-script-error[division by zero]")), data_dir=tmp_path
    )
    [incident] = document["incidents"]
    assert "'average'" in incident["error"]


def refuse(text: str, tmp_path: Path, *extra: str) -> str:
    """Run the model in `text`; it must be refused with exit code 2. Returns stderr."""
    model = tmp_path / "refused.bpmn"
    model.write_text(text)
    result = bpm("run", str(model), "--json", *extra, data_dir=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert result.stderr.strip()
    return result.stderr


def test_it_refuses_malformed_xml_naming_the_line(tmp_path: Path) -> None:
    stderr = refuse(MALFORMED_XML, tmp_path)
    assert f"line {line_of(MALFORMED_XML, '</bpmn:process>')}" in stderr


def test_it_refuses_external_entities_without_reading_them(tmp_path: Path) -> None:
    stderr = refuse(XXE, tmp_path)
    assert "entities are not allowed" in stderr
    assert "root:" not in stderr


def test_it_refuses_entity_expansion_bombs(tmp_path: Path) -> None:
    stderr = refuse(BILLION_LAUGHS, tmp_path)
    assert "entities are not allowed" in stderr
    assert "lollol" not in stderr


def test_it_refuses_an_element_it_cannot_run_naming_it_and_its_line(tmp_path: Path) -> None:
    stderr = refuse(CALL_ACTIVITY, tmp_path)
    assert "callActivity" in stderr
    assert "'call_billing'" in stderr
    assert f"line {line_of(CALL_ACTIVITY, 'bpmn:callActivity')}" in stderr


def test_it_refuses_a_flow_to_nowhere_naming_the_flow_and_its_line(tmp_path: Path) -> None:
    stderr = refuse(FLOW_TO_NOWHERE, tmp_path)
    assert "'f_lost'" in stderr
    assert "nowhere" in stderr
    assert f"line {line_of(FLOW_TO_NOWHERE, 'f_lost')}" in stderr


def test_it_stores_nothing_when_it_refuses_a_model(tmp_path: Path) -> None:
    database = tmp_path / "x.sqlite3"
    valid = case("01-sequence[plain]")
    code, document, _stderr = run_json(
        *run_arguments(valid), "--database", sqlite_url(database), data_dir=tmp_path
    )
    assert (code, document["status"]) == (0, "completed")
    assert count_rows(database, DEFINITIONS_TABLE) == 1

    for refused in (MALFORMED_XML, XXE, BILLION_LAUGHS, CALL_ACTIVITY, FLOW_TO_NOWHERE):
        refuse(refused, tmp_path, "--database", sqlite_url(database))

    assert count_rows(database, DEFINITIONS_TABLE) == 1
