"""Templates: ${...} inside handler field text."""

from __future__ import annotations

import pytest

from engine.expressions import ExpressionError, check_template, render_template


def test_it_replaces_every_expression_in_the_text() -> None:
    variables = {"customer": {"name": "Ada"}, "count": 3}
    assert render_template("Dear ${customer.name}, ${count} items (${count * 2} parts).", variables) == (
        "Dear Ada, 3 items (6 parts)."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("as is", "as is"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (2.5, "2.5"),
        ([1, "a", None], '[1, "a", null]'),
        ({"k": {"nested": True}}, '{"k": {"nested": true}}'),
        ("été", "été"),
        ({"word": "été"}, '{"word": "été"}'),
    ],
)
def test_it_writes_values_as_text(value: object, text: str) -> None:
    assert render_template("${value}", {"value": value}) == text
    assert render_template("<${value}>", {"value": value}) == f"<{text}>"


def test_text_without_expressions_is_unchanged() -> None:
    assert (
        render_template("plain $ text { with } braces and $HOME", {})
        == "plain $ text { with } braces and $HOME"
    )
    assert render_template("", {}) == ""


def test_a_doubled_dollar_writes_a_literal_placeholder() -> None:
    assert render_template("echo $${HOME} ${user}", {"user": "ada"}) == "echo ${HOME} ada"


def test_expressions_may_contain_braces_and_strings() -> None:
    assert render_template("${ {'a': 1}.a }-${ '}' }", {}) == "1-}"


def test_it_reports_an_evaluation_error_with_the_template_as_source() -> None:
    with pytest.raises(ExpressionError) as caught:
        render_template("--name=${customer.name}", {"customer": {}})
    assert caught.value.message == "missing key 'name' in 'customer'"
    assert caught.value.source == "--name=${customer.name}"
    assert caught.value.column == 19


@pytest.mark.parametrize(
    ("template", "message", "column"),
    [
        ("--name=${name", "unclosed '${' at column 8: missing '}'", 8),
        ("a ${} b", "empty expression at column 5", 5),
        ("${a} and ${a +}", "unexpected end of expression at column 15: expected a value", 15),
        ("${a b}", "unexpected name 'b' at column 5: expected an operator or the end of the expression", 5),
        ("${nope(1)}", None, 3),
        ("${'unclosed}", "unclosed string at column 3: missing the closing '", 3),
    ],
)
def test_check_template_finds_malformed_expressions(template: str, message: str | None, column: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        check_template(template)
    if message is not None:
        assert caught.value.message == message
    assert caught.value.column == column
    assert caught.value.source == template


def test_check_template_does_not_need_variables() -> None:
    check_template("${any.variable[0]} and ${other}")
    check_template("no expressions at all")
