"""Our extension namespace: service task handlers and fields, user task assignment and forms."""

from __future__ import annotations

import pytest

from engine.bpmn import parse_bpmn
from engine.bpmn.graph import FormField, ServiceTaskDefinition, UserTaskDefinition
from tests.bpmn.documents import chain, line_of, model, problem_about, problems_of


def service_task(attributes: str, extensions: str = "") -> str:
    body = f"<extensionElements>\n{extensions}</extensionElements>\n" if extensions else ""
    return model(
        f'<startEvent id="s"/>\n<serviceTask id="call" {attributes}>\n{body}</serviceTask>\n'
        + chain("s", "call")
    )


def service_of(xml: str) -> ServiceTaskDefinition:
    service = parse_bpmn(xml).node("call").service
    assert service is not None
    return service


def user_task(attributes: str, extensions: str = "") -> str:
    body = f"<extensionElements>\n{extensions}</extensionElements>\n" if extensions else ""
    return model(
        f'<startEvent id="s"/>\n<userTask id="review" {attributes}>\n{body}</userTask>\n'
        + chain("s", "review")
    )


def user_task_of(xml: str) -> UserTaskDefinition:
    definition = parse_bpmn(xml).node("review").user_task
    assert definition is not None
    return definition


def test_it_reads_a_field_from_a_value_attribute_from_text_and_from_items() -> None:
    service = service_of(
        service_task(
            'bpm:type="cli"',
            '<bpm:field name="timeout" value="PT30S"/>\n'
            '<bpm:field name="stdin">\n   some text\n</bpm:field>\n'
            '<bpm:field name="argv">\n<bpm:item>echo</bpm:item>\n'
            "<bpm:item> two  words </bpm:item>\n</bpm:field>\n"
            '<bpm:field name="empty" value=""/>\n',
        )
    )
    assert dict(service.fields) == {
        "timeout": "PT30S",
        "stdin": "some text",
        "argv": ("echo", " two  words "),
        "empty": "",
    }
    assert service.retry is None


def test_it_reads_extensions_under_any_prefix() -> None:
    xml = service_task(
        'x:type="noop" xmlns:x="urn:bpmportal:bpm:1.0"',
        '<x:field xmlns:x="urn:bpmportal:bpm:1.0" name="result" value="{}"/>\n',
    )
    assert service_of(xml) == ServiceTaskDefinition(type="noop", fields={"result": "{}"}, retry=None)


def test_it_ignores_extension_elements_of_other_tools() -> None:
    xml = service_task(
        'bpm:type="noop"',
        '<camunda:properties><camunda:property name="a" value="1"/></camunda:properties>\n'
        '<zeebe:taskDefinition xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" type="x"/>\n',
    )
    assert dict(service_of(xml).fields) == {}


@pytest.mark.parametrize("retry", ["R3/PT10S", "R0/PT1M", "R10/P1DT2H", "R2/PT0.5S"])
def test_it_accepts_an_iso_8601_retry_cycle(retry: str) -> None:
    assert service_of(service_task(f'bpm:type="cli" bpm:retry="{retry}"')).retry == retry


@pytest.mark.parametrize("retry", ["3", "R3", "R3/10S", "PT10S", "R3/P", "R3/PT", "Rx/PT1S"])
def test_it_refuses_a_retry_that_is_not_a_cycle(retry: str) -> None:
    xml = service_task(f'bpm:type="cli" bpm:retry="{retry}"')
    problem = problem_about(xml, "call", containing="bpm:retry")
    assert problem.message == f"bpm:retry '{retry}' is not an ISO-8601 retry cycle such as R3/PT10S"
    assert (problem.element_type, problem.line) == ("serviceTask", line_of(xml, 'id="call"'))


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ('<bpm:field value="x"/>\n', "bpm:field has no name"),
        (
            '<bpm:field name="a" value="1"/>\n<bpm:field name="a" value="2"/>\n',
            "bpm:field 'a' is defined twice",
        ),
        (
            '<bpm:field name="a" value="1"><bpm:item>x</bpm:item></bpm:field>\n',
            "bpm:field 'a' has both a value attribute and bpm:item elements; use one of them",
        ),
        (
            '<bpm:field name="a" value="1">text</bpm:field>\n',
            "bpm:field 'a' has both a value attribute and text",
        ),
        (
            '<bpm:field name="a"><bpm:value>x</bpm:value></bpm:field>\n',
            "bpm:field 'a' may only contain bpm:item",
        ),
        ('<bpm:handler name="a"/>\n', "unknown extension element bpm:handler in a service task"),
    ],
)
def test_it_refuses_malformed_fields(extensions: str, message: str) -> None:
    xml = service_task('bpm:type="cli"', extensions)
    problem = problem_about(xml, "call", containing=message)
    assert problem.element_type == "serviceTask"
    assert problem.line == line_of(xml, extensions.strip().splitlines()[-1])


def test_it_refuses_an_unknown_extension_attribute() -> None:
    xml = service_task('bpm:type="cli" bpm:retries="3"')
    problem = problem_about(xml, "call", containing="bpm:retries")
    assert problem.message == "unknown extension attribute bpm:retries"


def test_it_refuses_an_extension_attribute_on_the_wrong_element() -> None:
    xml = model('<startEvent id="s"/>\n<task id="t" bpm:type="cli"/>\n' + chain("s", "t"))
    problem = problem_about(xml, "t", containing="bpm:type")
    assert (problem.message, problem.element_type) == (
        "extension attribute bpm:type is not allowed on a task",
        "task",
    )


def test_it_refuses_our_extension_elements_on_the_wrong_element() -> None:
    xml = model(
        '<startEvent id="s"/>\n<task id="t">\n<extensionElements>\n<bpm:field name="a" value="1"/>\n'
        "</extensionElements>\n</task>\n" + chain("s", "t")
    )
    problem = problem_about(xml, "t", containing="bpm:field")
    assert problem.message == "extension element bpm:field is not allowed in a task"
    assert problem.line == line_of(xml, "<bpm:field")


def test_it_reads_user_task_assignment() -> None:
    definition = user_task_of(
        user_task(
            'bpm:assignee=" bob " bpm:candidateGroups="sales, managers,," bpm:candidateUsers="carol,dave" '
            'bpm:dueDate="P2D" bpm:formKey="leave-request"'
        )
    )
    assert definition == UserTaskDefinition(
        assignee="bob",
        candidate_groups=("sales", "managers"),
        candidate_users=("carol", "dave"),
        due_date="P2D",
        form_key="leave-request",
    )


def test_it_reads_a_user_task_without_extensions() -> None:
    assert user_task_of(user_task("")) == UserTaskDefinition()


def test_it_reads_form_fields() -> None:
    definition = user_task_of(
        user_task(
            "",
            '<bpm:formField id="days" label="Days" type="long" required="true" defaultValue="1">\n'
            '<bpm:constraint name="min" config="1"/>\n'
            '<bpm:constraint name="max" config="30"/>\n</bpm:formField>\n'
            '<bpm:formField id="kind" label="Kind" type="enum">\n'
            '<bpm:value id="holiday" name="Holiday"/>\n<bpm:value id="sick"/>\n</bpm:formField>\n'
            '<bpm:formField id="note"/>\n',
        )
    )
    assert definition.form_fields == (
        FormField(
            id="days",
            label="Days",
            type="long",
            required=True,
            default="1",
            constraints=(("min", "1"), ("max", "30")),
        ),
        FormField(id="kind", label="Kind", type="enum", values=(("holiday", "Holiday"), ("sick", "sick"))),
        FormField(id="note", label="note"),
    )


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ('<bpm:formField label="x"/>\n', "bpm:formField has no id"),
        (
            '<bpm:formField id="a"/>\n<bpm:formField id="a" label="again"/>\n',
            "form field 'a' is defined twice",
        ),
        ('<bpm:formField id="a" type="money"/>\n', "form field 'a' has unknown type 'money'"),
        ('<bpm:formField id="a" required="yes"/>\n', "form field 'a': required must be true or false"),
        ('<bpm:formField id="a" type="enum"/>\n', "form field 'a' of type enum has no bpm:value"),
        (
            '<bpm:formField id="a"><bpm:value id="x"/></bpm:formField>\n',
            "form field 'a' has bpm:value children but is not an enum",
        ),
        (
            '<bpm:formField id="a" type="enum"><bpm:value name="x"/></bpm:formField>\n',
            "expected bpm:value with an id",
        ),
        ("<bpm:formData/>\n", "unknown extension element bpm:formData in a user task"),
    ],
)
def test_it_refuses_malformed_form_fields(extensions: str, message: str) -> None:
    xml = user_task("", extensions)
    problem = problem_about(xml, "review", containing=message)
    assert problem.element_type == "userTask"
    assert problem.line == line_of(xml, extensions.strip().splitlines()[-1])


def test_it_refuses_a_malformed_template_in_a_user_task_attribute() -> None:
    xml = user_task('bpm:assignee="${initiator"')
    problem = problem_about(xml, "review", containing="bpm:assignee has a malformed ${...} expression")
    assert problem.line == line_of(xml, 'id="review"')


def test_it_accepts_templates_in_user_task_attributes() -> None:
    assert user_task_of(user_task('bpm:assignee="${initiator}"')).assignee == "${initiator}"


def test_it_reports_all_extension_problems_of_a_task_together() -> None:
    xml = service_task('bpm:retry="soon"', '<bpm:field name="a"/>\n<bpm:field/>\n')
    messages = [problem.message for problem in problems_of(xml)]
    assert len(messages) == 3
    assert any("bpm:retry 'soon'" in message for message in messages)
    assert any("bpm:field has no name" in message for message in messages)
    assert any("service task has no bpm:type" in message for message in messages)
