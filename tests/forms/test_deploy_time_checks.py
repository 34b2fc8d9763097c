"""A form the engine could not check is refused at deploy time, with the field, element and line."""

from __future__ import annotations

import pytest

from engine.bpmn import BpmnError, parse_bpmn
from tests.services.models import document, flow


def with_form(extensions: str, *, camunda: bool = False) -> str:
    namespace = ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"' if camunda else ""
    return document(
        "forms",
        '<startEvent id="start"/>\n'
        f'<userTask id="fill"{namespace}>\n'
        f"<extensionElements>\n{extensions}</extensionElements>\n</userTask>\n"
        '<endEvent id="end"/>\n' + flow("f1", "start", "fill") + flow("f2", "fill", "end"),
    )


def problems_of(xml: str) -> list[tuple[str, str, int]]:
    with pytest.raises(BpmnError) as caught:
        parse_bpmn(xml)
    return [(problem.element_id, problem.message, problem.line) for problem in caught.value.problems]


def test_it_refuses_bad_constraint_configs_naming_field_and_line() -> None:
    xml = with_form(
        '<bpm:formField id="days" type="long"><bpm:constraint name="min" config="one"/></bpm:formField>\n'
        '<bpm:formField id="code"><bpm:constraint name="pattern" config="(a+)+$"/></bpm:formField>\n'
        '<bpm:formField id="when" type="date"><bpm:constraint name="maxlength" config="3"/></bpm:formField>\n'
    )

    problems = problems_of(xml)

    line = xml.splitlines().index(next(text for text in xml.splitlines() if 'id="days"' in text)) + 1
    assert problems[0] == ("fill", "form field 'days': constraint 'min' needs a number, not 'one'", line)
    assert "form field 'code': constraint 'pattern'" in problems[1][1]
    assert "a repeat inside a repeat" in problems[1][1]
    assert problems[2][1] == "form field 'when': constraint 'maxlength' does not apply to a date field"
    assert (problems[1][2], problems[2][2]) == (line + 1, line + 2)


def test_it_refuses_an_unknown_constraint_name() -> None:
    xml = with_form('<bpm:formField id="x"><bpm:constraint name="validator" config="x"/></bpm:formField>\n')

    assert "form field 'x' has unknown constraint 'validator'" in problems_of(xml)[0][1]


def test_camunda_form_fields_get_the_same_checks() -> None:
    xml = with_form(
        "<camunda:formData>"
        '<camunda:formField id="days" type="long"><camunda:validation>'
        '<camunda:constraint name="max" config="many"/>'
        "</camunda:validation></camunda:formField>"
        "</camunda:formData>\n",
        camunda=True,
    )

    assert problems_of(xml)[0][1] == "form field 'days': constraint 'max' needs a number, not 'many'"


def test_it_accepts_a_well_formed_form() -> None:
    xml = with_form(
        '<bpm:formField id="days" type="long" required="true">'
        '<bpm:constraint name="min" config="1"/><bpm:constraint name="max" config="30"/></bpm:formField>\n'
        '<bpm:formField id="code"><bpm:constraint name="pattern" config="[A-Z]{2}-\\d+"/></bpm:formField>\n'
    )

    user_task = parse_bpmn(xml).node("fill").user_task
    assert user_task is not None
    assert [field.id for field in user_task.form_fields] == ["days", "code"]
