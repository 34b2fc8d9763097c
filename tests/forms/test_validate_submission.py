"""validate_submission: what a person sends is typed, checked and refused field by field."""

from __future__ import annotations

from typing import Any

import pytest

from engine.forms import FormErrors, parse_form, validate_submission


def field(
    field_id: str, field_type: str = "string", *constraints: tuple[str, str], **extra: Any
) -> dict[str, Any]:
    return {
        "id": field_id,
        "label": field_id.title(),
        "type": field_type,
        "required": extra.pop("required", False),
        "default": None,
        "values": [{"id": value, "name": value.title()} for value in extra.pop("values", ())],
        "constraints": [{"name": name, "config": config} for name, config in constraints],
    }


LEAVE_FORM = parse_form(
    [
        field("days", "long", ("min", "1"), ("max", "30"), required=True),
        field("kind", "enum", values=("holiday", "sick")),
        field("start", "date", ("min", "2025-01-01")),
        field("paid", "boolean"),
        field("rate", "double", ("max", "1.5")),
        field("code", "string", ("pattern", "[A-Z]{2}-[0-9]+"), ("maxlength", "8")),
        field("reason", "string", ("minlength", "3")),
    ]
)


def errors_of(submission: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(FormErrors) as caught:
        validate_submission(LEAVE_FORM, submission)
    return caught.value.errors


def test_it_coerces_text_from_an_html_form_to_typed_values() -> None:
    values = validate_submission(
        LEAVE_FORM,
        {
            "days": " 3 ",
            "kind": "sick",
            "start": "2025-06-02",
            "paid": "true",
            "rate": "1.25",
            "code": "AB-12",
        },
    )

    assert values == {
        "days": 3,
        "kind": "sick",
        "start": "2025-06-02",
        "paid": True,
        "rate": 1.25,
        "code": "AB-12",
    }


def test_it_accepts_typed_json_values() -> None:
    assert validate_submission(LEAVE_FORM, {"days": 30, "paid": False, "rate": 1}) == {
        "days": 30,
        "paid": False,
        "rate": 1,
    }


def test_it_names_every_wrong_field_with_what_is_wrong() -> None:
    errors = errors_of(
        {
            "days": "31",
            "kind": "cruise",
            "start": "2024-12-31",
            "paid": "maybe",
            "rate": "fast",
            "code": "ab-1",
        }
    )

    assert errors == {
        "days": "must be at most 30",
        "kind": "must be one of: holiday, sick",
        "start": "must be on or after 2025-01-01",
        "paid": "must be true or false",
        "rate": "must be a number",
        "code": "must match the pattern [A-Z]{2}-[0-9]+",
    }


def test_it_refuses_a_missing_or_empty_required_field() -> None:
    assert errors_of({}) == {"days": "is required"}
    assert errors_of({"days": "  "}) == {"days": "is required"}
    assert errors_of({"days": None}) == {"days": "is required"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "must be at least 1"),
        ("2.5", "must be a whole number"),
        (2.5, "must be a whole number"),
        (True, "must be a whole number"),
        ("1e3", "must be a whole number"),
        (2**63, "is too large for a whole number field"),
    ],
)
def test_it_checks_whole_numbers(value: Any, message: str) -> None:
    assert errors_of({"days": value}) == {"days": message}


def test_it_checks_text_lengths() -> None:
    assert errors_of({"days": 1, "reason": "no"}) == {"reason": "must be at least 3 characters long"}
    assert errors_of({"days": 1, "code": "AB-123456"}) == {"code": "must be at most 8 characters long"}


def test_it_refuses_names_that_are_not_fields_of_the_form() -> None:
    assert errors_of({"days": 1, "approved": True}) == {"approved": "is not a field of this form"}


def test_it_sets_an_optional_field_sent_empty_to_null_and_leaves_an_absent_one_alone() -> None:
    assert validate_submission(LEAVE_FORM, {"days": 2, "reason": ""}) == {"days": 2, "reason": None}


def test_it_refuses_values_for_read_only_fields() -> None:
    form = parse_form([field("total", "long", ("readonly", "")), field("note")])

    with pytest.raises(FormErrors) as caught:
        validate_submission(form, {"total": 5, "note": "ok"})

    assert caught.value.errors == {"total": "is read-only"}
    assert validate_submission(form, {"note": "ok"}) == {"note": "ok"}


def test_camunda_style_required_constraint_makes_a_field_required() -> None:
    form = parse_form([field("approved", "boolean", ("required", ""))])

    with pytest.raises(FormErrors, match="approved: is required"):
        validate_submission(form, {})
    assert validate_submission(form, {"approved": "false"}) == {"approved": False}


def test_it_refuses_text_too_long_to_match_against_a_pattern() -> None:
    form = parse_form([field("code", "string", ("pattern", "[a-z]*"))])

    with pytest.raises(FormErrors, match="is too long to check"):
        validate_submission(form, {"code": "a" * 10_001})
