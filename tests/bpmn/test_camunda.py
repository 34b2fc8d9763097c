"""Models written by Camunda Modeler (Camunda 7 attributes) run, or say what cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import FormField
from tests.bpmn.documents import chain, line_of, model, problem_about, problems_of


def user_task(attributes: str, extensions: str = "") -> str:
    body = f"<extensionElements>\n{extensions}</extensionElements>\n" if extensions else ""
    return model(
        f'<startEvent id="s"/>\n<userTask id="review" {attributes}>\n{body}</userTask>\n'
        + chain("s", "review")
    )


def service_task(attributes: str, extensions: str = "") -> str:
    body = f"<extensionElements>\n{extensions}</extensionElements>\n" if extensions else ""
    return model(
        f'<startEvent id="s"/>\n<serviceTask id="call" {attributes}>\n{body}</serviceTask>\n'
        + chain("s", "call")
    )


# What Camunda Modeler 5 writes for a user task with a generated form.
CAMUNDA_FORM = """<camunda:formData>
<camunda:formField id="amount" label="Amount" type="long" defaultValue="${defaultAmount}">
<camunda:properties><camunda:property id="unit" value="EUR"/></camunda:properties>
<camunda:validation>
<camunda:constraint name="required"/>
<camunda:constraint name="min" config="1"/>
<camunda:constraint name="max" config="5000"/>
</camunda:validation>
</camunda:formField>
<camunda:formField id="comment" label="Comment" type="string">
<camunda:validation>
<camunda:constraint name="minlength" config="3"/>
<camunda:constraint name="maxlength" config="200"/>
<camunda:constraint name="pattern" config="[A-Za-z ]+"/>
</camunda:validation>
</camunda:formField>
<camunda:formField id="approved" label="Approve?" type="boolean"/>
<camunda:formField id="due" type="date"/>
<camunda:formField id="priority" label="Priority" type="enum" defaultValue="normal">
<camunda:value id="low" name="Low"/>
<camunda:value id="normal" name="Normal"/>
<camunda:value id="high"/>
</camunda:formField>
</camunda:formData>
"""


def test_it_reads_camunda_assignment_attributes_as_ours() -> None:
    xml = user_task(
        'camunda:assignee="${initiator}" camunda:candidateGroups="sales, managers" '
        'camunda:candidateUsers="carol" camunda:dueDate="P2D" '
        'camunda:formKey="embedded:app:forms/review.html"'
    )
    definition = parse_bpmn(xml).node("review").user_task
    assert definition is not None
    assert definition.assignee == "${initiator}"
    assert definition.candidate_groups == ("sales", "managers")
    assert definition.candidate_users == ("carol",)
    assert definition.due_date == "P2D"
    assert definition.form_key == "embedded:app:forms/review.html"


def test_it_maps_camunda_form_fields_with_their_types_values_and_constraints() -> None:
    definition = parse_bpmn(user_task('camunda:assignee="demo"', CAMUNDA_FORM)).node("review").user_task
    assert definition is not None
    assert definition.form_fields == (
        FormField(
            id="amount",
            label="Amount",
            type="long",
            required=True,
            default="${defaultAmount}",
            constraints=(("min", "1"), ("max", "5000")),
        ),
        FormField(
            id="comment",
            label="Comment",
            constraints=(("minlength", "3"), ("maxlength", "200"), ("pattern", "[A-Za-z ]+")),
        ),
        FormField(id="approved", label="Approve?", type="boolean"),
        FormField(id="due", label="due", type="date"),
        FormField(
            id="priority",
            label="Priority",
            type="enum",
            default="normal",
            values=(("low", "Low"), ("normal", "Normal"), ("high", "high")),
        ),
    )


def test_it_keeps_our_attribute_when_both_say_the_same_and_refuses_a_disagreement() -> None:
    same = user_task('bpm:assignee="bob" camunda:assignee="bob"')
    assert parse_bpmn(same).node("review").user_task.assignee == "bob"  # type: ignore[union-attr]
    problem = problem_about(
        user_task('bpm:assignee="bob" camunda:assignee="alice"'), "review", containing="disagree"
    )
    assert problem.message == "bpm:assignee and camunda:assignee disagree; keep one of them"


def test_it_reports_a_form_field_defined_by_both_vocabularies() -> None:
    xml = user_task(
        "",
        '<bpm:formField id="amount" type="long"/>\n'
        '<camunda:formData>\n<camunda:formField id="amount" type="long"/>\n</camunda:formData>\n',
    )
    problem = problem_about(xml, "review", containing="defined twice")
    assert problem.line == line_of(xml, '<camunda:formField id="amount"')


@pytest.mark.parametrize(
    ("form_field", "message"),
    [
        (
            '<camunda:formField id="f" type="customer"/>',
            "form field 'f' has type 'customer', which this engine's forms do not know",
        ),
        ('<camunda:formField id="f" type="enum"/>', "form field 'f' of type enum has no camunda:value"),
        (
            '<camunda:formField id="f"><camunda:validation>'
            '<camunda:constraint name="validator" config="com.example.Check"/>'
            "</camunda:validation></camunda:formField>",
            "form field 'f': constraint 'validator' is not supported (custom validators do not run here",
        ),
        (
            '<camunda:formField id="f"><camunda:validation><camunda:constraint name="max"/>'
            "</camunda:validation></camunda:formField>",
            "form field 'f': constraint 'max' has no config",
        ),
        ('<camunda:formField label="No id"/>', "camunda:formField has no id"),
        (
            '<camunda:formField id="f" defaultValue="${oops"/>',
            "form field 'f' defaultValue has a malformed ${...} expression",
        ),
    ],
)
def test_it_reports_camunda_form_fields_it_cannot_show(form_field: str, message: str) -> None:
    xml = user_task("", f"<camunda:formData>\n{form_field}\n</camunda:formData>\n")
    problem = problem_about(xml, "review", containing=message)
    assert problem.line == line_of(xml, "<camunda:formField")
    assert problem.element_type == "userTask"


def test_it_takes_the_retry_cycle_from_failed_job_retry_time_cycle() -> None:
    xml = service_task(
        'bpm:type="noop" camunda:asyncBefore="true" camunda:exclusive="false"',
        "<camunda:failedJobRetryTimeCycle>R5/PT5M</camunda:failedJobRetryTimeCycle>\n",
    )
    assert parse_bpmn(xml).node("call").service.retry == "R5/PT5M"  # type: ignore[union-attr]


def test_it_reports_a_retry_time_cycle_it_cannot_read_at_its_line() -> None:
    xml = service_task(
        'bpm:type="noop"', "<camunda:failedJobRetryTimeCycle>R5/${delay}</camunda:failedJobRetryTimeCycle>\n"
    )
    problem = problem_about(xml, "call", containing="failedJobRetryTimeCycle")
    assert problem.message == (
        "camunda:failedJobRetryTimeCycle 'R5/${delay}' is not an ISO-8601 retry cycle such as R3/PT10S"
    )
    assert problem.line == line_of(xml, "<camunda:failedJobRetryTimeCycle>")


def test_it_refuses_a_retry_cycle_that_disagrees_with_ours() -> None:
    xml = service_task(
        'bpm:type="noop" bpm:retry="R3/PT10S"',
        "<camunda:failedJobRetryTimeCycle>R5/PT5M</camunda:failedJobRetryTimeCycle>\n",
    )
    assert problem_about(xml, "call", containing="disagree").line == line_of(xml, "<camunda:failed")


def test_it_accepts_async_continuations_on_any_element() -> None:
    xml = model(
        '<startEvent id="s" camunda:asyncAfter="true"/>\n'
        '<task id="t" camunda:asyncBefore="true" camunda:asyncAfter="true" camunda:exclusive="true"/>\n'
        '<endEvent id="e" camunda:asyncBefore="true"/>\n' + chain("s", "t", "e")
    )
    assert list(parse_bpmn(xml).nodes) == ["s", "t", "e"]


@pytest.mark.parametrize(
    ("extension", "message"),
    [
        (
            '<camunda:executionListener class="com.example.Audit" event="start"/>',
            "camunda:executionListener is not supported: execution listeners run Java or script code",
        ),
        (
            '<camunda:taskListener event="create" delegateExpression="${notify}"/>',
            "camunda:taskListener is not supported: task listeners run Java or script code",
        ),
        (
            '<camunda:inputOutput><camunda:inputParameter name="a">1</camunda:inputParameter>'
            "</camunda:inputOutput>",
            "camunda:inputOutput (input/output variable mappings) is not supported",
        ),
        (
            "<camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector>",
            'Camunda connectors are not supported; use bpm:type="http"',
        ),
    ],
)
def test_it_reports_camunda_extensions_that_would_not_run(extension: str, message: str) -> None:
    xml = user_task('camunda:assignee="demo"', extension + "\n")
    problem = problem_about(xml, "review", containing=message)
    assert problem.line == line_of(xml, extension[:20])


def test_it_accepts_an_empty_input_output_mapping_and_properties() -> None:
    xml = user_task(
        "",
        "<camunda:inputOutput/>\n"
        '<camunda:properties><camunda:property name="team" value="ops"/></camunda:properties>\n',
    )
    assert parse_bpmn(xml).node("review").user_task is not None


def test_it_reads_juel_style_conditions_in_dollar_braces() -> None:
    xml = model(
        '<startEvent id="s"/>\n<exclusiveGateway id="g" default="low"/>\n<endEvent id="big"/>\n'
        '<endEvent id="small"/>\n'
        + chain("s", "g")
        + '<sequenceFlow id="high" sourceRef="g" targetRef="big">\n'
        '<conditionExpression xsi:type="tFormalExpression">${amount &gt; 1000 &amp;&amp; !rejected}'
        "</conditionExpression>\n</sequenceFlow>\n"
        '<sequenceFlow id="low" sourceRef="g" targetRef="small"/>\n'
    )
    graph = parse_bpmn(xml)
    assert graph.flow("high").condition == "amount > 1000 && !rejected"
    assert graph.node("g").default_flow == "low"


def test_it_runs_the_camunda_invoice_user_tasks_and_names_what_it_cannot_run(corpus_dir: Path) -> None:
    # The Camunda 7 invoice example, as its tool saved it in the MIWG suite.
    path = corpus_dir / "miwg" / "C.1.0.bpmn"
    problems = problems_of(path.read_bytes(), process_id="bpmn-miwg-test-case-c.1.0")
    by_element: dict[str | None, list[str]] = {}
    for problem in problems:
        by_element.setdefault(problem.element_id, []).append(problem.message)
    # The user tasks' Camunda attributes are understood: none of them is a problem.
    assert not {"approveInvoice", "assignApprover", "reviewInvoice", "prepareBankTransfer"} & set(by_element)
    # The Java delegate is named, at its element.
    assert any("delegateExpression is not supported; use bpm:type" in m for m in by_element["archiveInvoice"])
    assert all(problem.line and problem.element_type for problem in problems)
