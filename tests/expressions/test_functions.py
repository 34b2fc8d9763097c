"""The allowlisted functions."""

from __future__ import annotations

import time

import pytest

from tests.expressions.evaluation import compile_error, evaluate, evaluation_error


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len('abc')", 3),
        ("len([1, 2])", 2),
        ("len({'a': 1})", 1),
        ("str(12)", "12"),
        ("str(1.5)", "1.5"),
        ("str(true)", "true"),
        ("str(null)", ""),
        ("str([1, 'a'])", '[1, "a"]'),
        ("str({'a': null})", '{"a": null}'),
        ("int('42')", 42),
        ("int(' -7 ')", -7),
        ("int(3.9)", 3),
        ("int(-3.9)", -3),
        ("int(true)", 1),
        ("float('2.5')", 2.5),
        ("float('1e3')", 1000.0),
        ("float(2)", 2.0),
        ("bool(1)", True),
        ("bool('')", False),
        ("bool('false')", False),
        ("bool(' TRUE ')", True),
        ("bool('no')", True),
        ("bool([])", False),
        ("abs(-3)", 3),
        ("abs(-2.5)", 2.5),
        ("min(3, 1, 2)", 1),
        ("max([3, 1, 2])", 3),
        ("min('b', 'a')", "a"),
        ("max(1, 2.5)", 2.5),
        ("round(2.567, 2)", 2.57),
        ("round(2.5)", 2),
        ("round(3.5)", 4),
        ("round(1234, -2)", 1200),
        ("sum([1, 2, 3.5])", 6.5),
        ("sum([])", 0),
        ("lower('ÀBC')", "àbc"),
        ("upper('abc')", "ABC"),
        ("trim('  x y  ')", "x y"),
        ("contains('hello', 'ell')", True),
        ("contains([1, 2], 3)", False),
        ("contains({'k': 1}, 'k')", True),
        ("startswith('invoice-7', 'invoice-')", True),
        ("endswith('report.pdf', '.csv')", False),
        ("matches('AB-123', '^[A-Z]{2}-[0-9]+$')", True),
        ("matches('order 12 shipped', '[0-9]+')", True),
        ("matches('abc', '^b')", False),
        ("keys({'a': 1, 'b': 2})", ["a", "b"]),
        ("values({'a': 1, 'b': 2})", [1, 2]),
        ("coalesce(null, 0)", 0),
        ("coalesce(1, 2)", 1),
        ("coalesce(null, null)", None),
    ],
)
def test_it_calls_allowlisted_functions(source: str, expected: object) -> None:
    assert evaluate(source) == expected
    assert type(evaluate(source)) is type(expected)


def test_coalesce_skips_missing_variables_keys_and_indexes() -> None:
    assert evaluate("coalesce(discount, 0)") == 0
    assert evaluate("coalesce(order.discount, order.total)", order={"total": 9}) == 9
    assert evaluate("coalesce(order.customer.name, 'anonymous')", order={"customer": None}) == "anonymous"
    assert evaluate("coalesce(items[5], 'none')", items=[]) == "none"


def test_coalesce_still_reports_real_errors() -> None:
    assert evaluation_error("coalesce(1 / 0, 2)").message == "division by zero"


def test_it_names_the_unknown_function_and_lists_the_known_ones() -> None:
    error = compile_error("amount > now()")
    assert error.message.startswith("unknown function 'now' at column 10 (available: abs, bool, coalesce,")
    assert error.column == 10
    assert compile_error("eval('1')").message.startswith("unknown function 'eval'")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("len()", "len() takes 1 argument (0 given) at column 1"),
        ("len(1, 2)", "len() takes 1 argument (2 given) at column 1"),
        ("startswith('a')", "startswith() takes 2 arguments (1 given) at column 1"),
        ("round(1, 2, 3)", "round() takes 1 to 2 arguments (3 given) at column 1"),
        ("x + max()", "max() takes at least 1 argument (0 given) at column 5"),
    ],
)
def test_it_checks_argument_counts_when_compiling(source: str, message: str) -> None:
    assert compile_error(source).message == message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("len(5)", "len() needs a str, a list or a dict, not int"),
        ("int('12abc')", "cannot convert '12abc' to int"),
        ("int(null)", "int() needs a number or a str, not null"),
        ("float('nan')", "cannot convert 'nan' to float"),
        ("float('inf')", "cannot convert 'inf' to float"),
        ("float('1e999')", "cannot convert '1e999' to float"),
        ("abs('1')", "abs() needs a number, not str"),
        ("min([])", "min() of an empty list"),
        ("max(3)", "max() needs a list or at least 2 arguments, not one int"),
        ("min(1, 'a')", "cannot compare str and int with '<' (convert with int(), float() or str() first)"),
        ("round('1')", "round() needs a number, not str"),
        ("round(1.5, 1.5)", "round() needs a whole number of digits between -100 and 100, not float"),
        ("sum([1, '2'])", "sum() needs a list of numbers, found str"),
        ("sum(5)", "sum() needs a list, not int"),
        ("lower(null)", "lower() needs a str, not null"),
        ("startswith(1, 'a')", "startswith() needs str arguments, not int"),
        ("keys([])", "keys() needs a dict, not list"),
        ("values('a')", "values() needs a dict, not str"),
        (
            "matches('a', '[')",
            "matches(): invalid regular expression '[': unterminated character set at position 0",
        ),
        ("matches(1, 'a')", "matches() needs str arguments, not int"),
        (
            "matches('a', '(x)\\\\1')",
            "matches(): regular expression '(x)\\\\1' refused: backreferences are not supported",
        ),
    ],
)
def test_it_explains_bad_function_arguments(source: str, message: str) -> None:
    assert evaluation_error(source).message == message


def test_it_points_function_errors_at_the_call() -> None:
    assert evaluation_error("1 + len(n)", n=3).column == 5


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a*)*b", "(\\w+\\s?)+$", "((ab)*c)*", "(?:x+y*)+z"])
def test_it_refuses_regular_expressions_that_backtrack_exponentially(pattern: str) -> None:
    started = time.monotonic()
    error = evaluation_error("matches(text, pattern)", text="a" * 5000 + "!", pattern=pattern)
    assert "a repeat inside a repeat" in error.message
    assert time.monotonic() - started < 1


def test_it_bounds_the_regular_expression_and_the_text_it_searches() -> None:
    assert evaluation_error("matches('a', p)", p="a" * 501).message == (
        "matches() accepts a regular expression of at most 500 characters"
    )
    assert evaluation_error("matches(t, 'a')", t="a" * 10_001).message == (
        "matches() searches at most 10,000 characters"
    )
    assert evaluate("matches(t, 'a$')", t="a" * 10_000) is True


@pytest.mark.parametrize("source", ["int(x)", "round(x)", "round(x, 2)"])
@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_it_refuses_non_finite_numbers_from_leniently_parsed_variables(source: str, value: float) -> None:
    assert "needs a finite number" in evaluation_error(source, x=value).message
