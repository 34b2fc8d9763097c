"""Malformed expressions: the error names the offending token, its column and what was expected."""

from __future__ import annotations

import pytest

from engine.expressions import ExpressionError, compile_expression
from tests.expressions.evaluation import compile_error

KEY_AFTER_DOT = "expected a key name after '.' (use [\"key\"] for other keys)"


@pytest.mark.parametrize(
    ("source", "message", "column"),
    [
        ("", "empty expression at column 1", 1),
        ("   ", "empty expression at column 1", 1),
        ("a b", "unexpected name 'b' at column 3: expected an operator or the end of the expression", 3),
        ("amount >", "unexpected end of expression at column 9: expected a value", 9),
        ("amount >   ", "unexpected end of expression at column 9: expected a value", 9),
        ("1 +* 2", "unexpected '*' at column 4: expected a value", 4),
        ("(a + 1", "unexpected end of expression at column 7: expected ')' to close the '(' at column 1", 7),
        ("a + 1)", "unexpected ')' at column 6: expected an operator or the end of the expression", 6),
        (
            "[1, 2",
            "unexpected end of expression at column 6: expected ',' or ']' to close the '[' at column 1",
            6,
        ),
        ("len(1 2)", "unexpected number 2 at column 7: expected ',' or ')' to close the '(' at column 4", 7),
        ('{"a" 1}', "unexpected number 1 at column 6: expected ':' between a key and its value", 6),
        (
            '{"a": 1 "b": 2}',
            "unexpected string \"b\" at column 9: expected ',' or '}' to close the '{' at column 1",
            9,
        ),
        ("amount = 5", "unexpected '=' at column 8: to compare, use '=='", 8),
        ("= 5", "unexpected '=' at column 1: to compare, use '=='", 1),
        ("and x", "unexpected 'and' at column 1: expected a value", 1),
        ("x or else", "unexpected 'else' at column 6: expected a value", 6),
        (
            "a if b",
            "unexpected end of expression at column 7: expected 'else' to complete 'a if condition else b'",
            7,
        ),
        (
            "a ? b",
            "unexpected end of expression at column 6: expected ':' to complete 'condition ? a : b'",
            6,
        ),
        (
            "order.",
            f"unexpected end of expression at column 7: {KEY_AFTER_DOT}",
            7,
        ),
        (
            "order.1",
            "unexpected number 1 at column 7: " + KEY_AFTER_DOT,
            7,
        ),
        ("items[]", "empty '[]' at column 6: expected an index or a key", 6),
        ("items[1", "unexpected end of expression at column 8: expected ']' to close the '[' at column 6", 8),
        (
            "order.total(1)",
            "unexpected '(' at column 12: only functions can be called, and 'order.total' is not one",
            12,
        ),
        ("'abc", "unclosed string at column 1: missing the closing '", 1),
        ('x == "abc', 'unclosed string at column 6: missing the closing "', 6),
        ("'a\nb'", "unclosed string at line 1, column 1: missing the closing '", 1),
        (r"'a\qb'", "unknown escape sequence '\\q' in a string at column 3", 3),
        ("a & b", "unexpected character '&' at column 3; did you mean '&&'?", 3),
        ("a | b", "unexpected character '|' at column 3; did you mean '||'?", 3),
        ("a @ b", "unexpected character '@' at column 3", 3),
        (
            "a is None",
            "unexpected name 'is' at column 3: expected an operator or the end of the expression",
            3,
        ),
        ("not", "unexpected end of expression at column 4: expected a value", 4),
        ("a not b", "unexpected 'not' at column 3: expected an operator or the end of the expression", 3),
        (
            "1.",
            f"unexpected end of expression at column 3: {KEY_AFTER_DOT}",
            3,
        ),
    ],
)
def test_it_reports_syntax_errors_with_the_token_and_column(source: str, message: str, column: int) -> None:
    error = compile_error(source)
    assert error.message == message
    assert str(error) == message
    assert error.column == column
    assert error.line is None
    assert error.source == source


def test_it_counts_lines_and_columns_in_a_multi_line_condition() -> None:
    error = compile_error("amount > 100\n  and\n  region ==")
    assert error.message == "unexpected end of expression at line 3, column 12: expected a value"
    assert error.column == 12


def test_it_points_into_the_original_text_when_wrapped_in_braces() -> None:
    error = compile_error("${amount >}")
    assert error.message == "unexpected end of expression at column 11: expected a value"
    assert error.column == 11
    assert compile_error("  #{ a b }").message == (
        "unexpected name 'b' at column 8: expected an operator or the end of the expression"
    )


def test_it_is_a_value_error_so_generic_handlers_catch_it() -> None:
    with pytest.raises(ValueError, match="unknown function"):
        compile_expression("nope()")
    assert issubclass(ExpressionError, ValueError)
