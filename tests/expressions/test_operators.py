"""Arithmetic, comparison, logic and conditional operators, their precedence and JUEL spellings."""

from __future__ import annotations

import pytest

from tests.expressions.evaluation import evaluate, evaluation_error


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("7 + 3", 10),
        ("7 - 10", -3),
        ("7 * 3", 21),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("7 // 2", 3),
        ("-7 // 2", -4),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("7.5 % 2", 1.5),
        ("2 ** 10", 1024),
        ("2 ** -1", 0.5),
        ("1.5 + 1", 2.5),
        ("-5", -5),
        ("+5", 5),
        ("- -5", 5),
        ("7 div 2", 3.5),
        ("7 mod 3", 1),
        ("'ab' + 'cd'", "abcd"),
        ("'ab' * 3", "ababab"),
        ("3 * 'ab'", "ababab"),
        ("'ab' * -1", ""),
        ("[1] + [2, 3]", [1, 2, 3]),
        ("[0] * 3", [0, 0, 0]),
    ],
)
def test_it_does_arithmetic(source: str, expected: object) -> None:
    assert evaluate(source) == expected
    assert type(evaluate(source)) is type(expected)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("100 / 10 / 5", 2.0),
        ("2 ** 3 ** 2", 512),
        ("-2 ** 2", -4),
        ("(-2) ** 2", 4),
        ("2 * 3 % 4", 2),
        ("1 + 2 < 4", True),
        ("not 1 == 2", True),
        ("not true and false", False),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("!false && true", True),
        ("1 if false else 2 if true else 3", 2),
        ("1 + 1 if true else 0", 2),
        ("true ? 1 : 2", 1),
        ("false ? 1 : true ? 2 : 3", 2),
        ("x.y[0] * 2", 10),
        ("-x.y[0]", -5),
    ],
)
def test_it_applies_python_precedence(source: str, expected: object) -> None:
    assert evaluate(source, x={"y": [5]}) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("1 == 1", True),
        ("1 == 1.0", True),
        ("'a' == 'a'", True),
        ("[1, 2] == [1, 2]", True),
        ("{'a': 1} == {'a': 1}", True),
        ("null == null", True),
        ("1 == '1'", False),
        ("1 != 2", True),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2.5", True),
        ("2 >= 3", False),
        ("'abc' < 'abd'", True),
        ("1 eq 1", True),
        ("1 ne 1", False),
        ("1 lt 2", True),
        ("2 gt 1", True),
        ("2 le 2", True),
        ("2 ge 3", False),
    ],
)
def test_it_compares(source: str, expected: bool) -> None:
    assert evaluate(source) is expected


def test_it_chains_comparisons_like_python() -> None:
    assert evaluate("1 < x < 10", x=5) is True
    assert evaluate("1 < x < 10", x=10) is False
    assert evaluate("1 < x <= 10 != 11", x=10) is True
    assert evaluate("0 <= x < 10 lt 20", x=5) is True
    # `3 > 2 > 1` is true in Python (and here), unlike a left-to-right reading.
    assert evaluate("3 > 2 > 1") is True


def test_it_evaluates_a_chained_operand_once_and_stops_at_the_first_false() -> None:
    # The third comparison would fail on its types; it is never reached.
    assert evaluate("2 < 1 < 'text'") is False


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'EU' in regions", True),
        ("'US' in regions", False),
        ("'US' not in regions", True),
        ("'ell' in 'hello'", True),
        ("'key' in {'key': 1}", True),
        ("1 in {'key': 1}", False),
        ("[1] in {'key': 1}", False),
        ("[1] in [[1], [2]]", True),
    ],
)
def test_it_tests_membership(source: str, expected: bool) -> None:
    assert evaluate(source, regions=["EU", "UK"]) is expected


def test_it_short_circuits_and_or_and_returns_the_deciding_operand() -> None:
    # The right-hand sides name variables that do not exist: they must not be evaluated.
    assert evaluate("false and missing") is False
    assert evaluate("ok && missing", ok=False) is False
    assert evaluate("true or missing") is True
    assert evaluate("ok || missing", ok=True) is True
    assert evaluate("'' or 'default'") == "default"
    assert evaluate("0 and 1") == 0
    assert evaluate("1 and 'last'") == "last"
    assert evaluate("missing if false else 3") == 3
    assert evaluate("false ? missing : 4") == 4


def test_it_negates_with_not_and_bang() -> None:
    assert evaluate("not done", done=False) is True
    assert evaluate("!done", done="yes") is False
    assert evaluate("not []") is True
    assert evaluate("not 'x' in 'abc'") is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),
        ("", True),
        ([], True),
        ({}, True),
        (0, False),
        (False, False),
        ("x", False),
        ([0], False),
    ],
)
def test_it_tests_emptiness_like_juel(value: object, expected: bool) -> None:
    assert evaluate("empty value", value=value) is expected
    assert evaluate("!empty value", value=value) is (not expected)
    assert evaluate("not empty value", value=value) is (not expected)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("'a' + 1", "cannot add str and int (convert with str() first)"),
        ("1 + null", "cannot add int and null"),
        ("true + 1", "cannot add bool and int"),
        ("[1] + 'a'", "cannot add list and str (convert with str() first)"),
        ("'a' - 'b'", "cannot subtract str and str"),
        ("'a' * 'b'", "cannot multiply str and str"),
        ("'a' * 1.5", "cannot multiply str and float"),
        ("'10' / 2", "cannot divide str and int"),
        ("'%s' % 1", "cannot take the remainder of str and int"),
        ("-'a'", "cannot negate str"),
        ("+null", "cannot apply unary '+' to null"),
        ("1 / 0", "division by zero"),
        ("1.5 / 0.0", "division by zero"),
        ("1 // 0", "division by zero"),
        ("1 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("(-8) ** 0.5", "cannot raise a negative number to a fractional power"),
        ("'5' < 3", "cannot compare str and int with '<' (convert with int(), float() or str() first)"),
        ("null >= 1", "cannot compare null and int with '>='"),
        ("true < 2", "cannot compare bool and int with '<'"),
        ("[1] lt [2]", "cannot compare list and list with '<'"),
        ("1 in 'abc'", "'in' with a str on the right needs a str on the left, not int"),
        ("1 in 5", "'in' needs a str, list or dict on the right, not int"),
    ],
)
def test_it_explains_operands_of_the_wrong_type(source: str, message: str) -> None:
    assert evaluation_error(source).message == message


def test_it_points_at_the_operator_that_failed() -> None:
    error = evaluation_error("total / count + 1", total=10, count=0)
    assert error.message == "division by zero"
    assert error.column == 7
    assert evaluation_error("1 < a < 'x'", a=2).column == 7
