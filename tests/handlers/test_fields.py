from __future__ import annotations

import pytest

from engine.handlers.fields import is_variable_name, parse_seconds, unknown_field_problems


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT30S", 30),
        ("pt30s", 30),
        ("PT1M30S", 90),
        ("PT2H", 7200),
        ("P1D", 86400),
        ("P1W", 604800),
        ("PT0.5S", 0.5),
        ("PT1,5S", 1.5),
        ("45", 45),
        ("2.5", 2.5),
    ],
)
def test_it_reads_iso_durations_and_plain_seconds(text: str, seconds: float) -> None:
    assert parse_seconds(text) == seconds


@pytest.mark.parametrize("text", ["", "P", "PT", "P1M", "P1Y", "30s", "PT-5S", "soon", "P1DT", "nan", "inf"])
def test_it_refuses_what_is_not_a_fixed_duration(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_seconds(text)


@pytest.mark.parametrize("text", ["0", "PT0S", "-3"])
def test_it_refuses_durations_that_are_not_positive(text: str) -> None:
    with pytest.raises(ValueError, match="more than zero"):
        parse_seconds(text)


def test_it_names_unknown_fields_and_lists_the_accepted_ones() -> None:
    problems = unknown_field_problems({"tmeout": "PT1S", "argv": ("x",)}, known=("argv", "timeout"))
    assert problems == ["unknown field 'tmeout' (this handler accepts: argv, timeout)"]


def test_it_accepts_identifiers_as_variable_names_only() -> None:
    assert is_variable_name("order_total")
    assert not is_variable_name("order-total")
    assert not is_variable_name("1st")
    assert not is_variable_name("class")
    assert not is_variable_name("true")
