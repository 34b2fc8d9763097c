"""parse_form and field_problems: a form definition is checked once, every problem named."""

from __future__ import annotations

from datetime import date

import pytest

from engine.forms import FormDefinitionError, field_problems, parse_form


def test_it_reads_constraints_into_typed_bounds() -> None:
    form = parse_form(
        [
            {
                "id": "days",
                "label": "Days",
                "type": "long",
                "required": True,
                "constraints": [{"name": "min", "config": "1"}, {"name": "max", "config": "30"}],
            },
            {"id": "from", "type": "date", "constraints": [{"name": "max", "config": "2030-01-01"}]},
        ]
    )

    days, start = form.fields
    assert (days.label, days.required, days.minimum, days.maximum) == ("Days", True, 1, 30)
    assert (start.label, start.maximum) == ("from", date(2030, 1, 1))


@pytest.mark.parametrize(
    ("field_type", "constraints", "problem"),
    [
        ("long", [("min", "one")], "form field 'f': constraint 'min' needs a number, not 'one'"),
        ("date", [("min", "tomorrow")], "constraint 'min' needs a date such as 2025-12-31, not 'tomorrow'"),
        ("string", [("min", "1")], "constraint 'min' does not apply to a string field"),
        ("long", [("pattern", "[0-9]+")], "constraint 'pattern' does not apply to a long field"),
        ("string", [("maxlength", "-1")], "constraint 'maxlength' needs a whole number of characters"),
        ("string", [("validator", "x")], "has unknown constraint 'validator'"),
        ("long", [("min", "5"), ("max", "1")], "min 5 is greater than max 1"),
        ("string", [("pattern", "(a+)+$")], "a repeat inside a repeat"),
        ("string", [("pattern", "(x")], "cannot be used: invalid regular expression"),
        ("color", [], "has unknown type 'color'"),
    ],
)
def test_it_names_what_is_wrong_with_a_field_definition(
    field_type: str, constraints: list[tuple[str, str]], problem: str
) -> None:
    problems = field_problems(field_id="f", field_type=field_type, values=[], constraints=constraints)

    assert len(problems) == 1
    assert problem in problems[0]


def test_it_refuses_a_stored_form_with_problems_listing_all_of_them() -> None:
    with pytest.raises(FormDefinitionError) as caught:
        parse_form(
            [
                {"id": "a", "type": "enum", "values": []},
                {"id": "b", "type": "long", "constraints": [{"name": "max", "config": "x"}]},
            ]
        )

    assert caught.value.problems == [
        "form field 'a' of type enum has no values to choose from",
        "form field 'b': constraint 'max' needs a number, not 'x'",
    ]
