"""Properties over generated input: arbitrary text only ever fails with ExpressionError, and
integer arithmetic means what it means in Python (precedence, floor division, signs)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.expressions import (
    ExpressionError,
    check_template,
    compile_expression,
    compile_script,
    render_template,
)

VARIABLES = {"a": 1, "b": "text", "c": [1, 2, 3], "d": {"k": None, "n": 2.5}, "e": None, "f": True}

# Characters that steer random text into the tokenizer's and parser's interesting corners.
_SYNTAX = st.sampled_from(
    [*list("()[]{}'\"\\$#.,:?!=<>+-*/%&|_ \n\t0123456789eE"), "abcdf", "and", "or", "not"]
)
_CHARACTERS = st.lists(_SYNTAX | st.characters(), max_size=40).map("".join)
# Sequences of real tokens: these often compile, so evaluation gets exercised too.
_WORDS = st.sampled_from(
    ["a", "b", "c", "d", "e", "f", "d.k", "d.n", "c[0]", "c[-1:]", "1", "0", "2.5", "'x'", "null", "true",
     "+", "-", "*", "/", "//", "%", "**", "==", "<", ">=", "in", "not", "and", "or", "&&", "||", "!", "empty",
     "if", "else", "?", ":", "(", ")", "[", "]", "{", "}", ",", "len(",
     "str(", "coalesce(", "matches(", "max("]
)  # fmt: skip
_TOKENS = st.lists(_WORDS, max_size=12).map(" ".join)
_TEXT = _CHARACTERS | _TOKENS


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_any_text_compiles_or_fails_with_an_expression_error(source: str) -> None:
    try:
        compiled = compile_expression(source)
    except ExpressionError:
        return
    with contextlib.suppress(ExpressionError):
        compiled.evaluate(VARIABLES)


@settings(max_examples=200, deadline=None)
@given(_TEXT)
def test_any_text_as_a_template_or_script_fails_only_with_an_expression_error(text: str) -> None:
    for attempt in (
        lambda: check_template("${" + text + "}"),
        lambda: render_template("x ${" + text + "} y", VARIABLES),
        lambda: compile_script("v = " + text).run(VARIABLES),
    ):
        with contextlib.suppress(ExpressionError):
            attempt()


# -- generated integer arithmetic with its expected value -------------------------------------

_SUM, _PRODUCT, _UNARY, _ATOM = 1, 2, 3, 4
_BINARY = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "//": _PRODUCT, "%": _PRODUCT}


@dataclass(frozen=True)
class Arithmetic:
    text: str
    precedence: int
    value: int | None  # None: Python raises ZeroDivisionError somewhere inside


def _literal(number: int) -> Arithmetic:
    return Arithmetic(str(number), _ATOM, number)


def _wrap(operand: Arithmetic, needed: bool, extra: bool) -> str:
    return f"({operand.text})" if needed or extra else operand.text


@st.composite
def _combine(draw: st.DrawFn, children: st.SearchStrategy[Arithmetic]) -> Arithmetic:
    """One operator over generated operands, parenthesised only where Python needs it (plus
    sometimes where it does not), so the parser's precedence is what gets tested."""
    if draw(st.integers(0, 4)) == 0:
        operand = draw(children)
        text = "-" + _wrap(operand, operand.precedence < _UNARY, draw(st.booleans()))
        return Arithmetic(text, _UNARY, None if operand.value is None else -operand.value)
    symbol = draw(st.sampled_from(sorted(_BINARY)))
    precedence = _BINARY[symbol]
    left, right = draw(children), draw(children)
    left_text = _wrap(left, left.precedence < precedence, draw(st.booleans()))
    right_text = _wrap(right, right.precedence <= precedence, draw(st.booleans()))
    return Arithmetic(
        f"{left_text} {symbol} {right_text}", precedence, _apply(symbol, left.value, right.value)
    )


def _apply(symbol: str, left: int | None, right: int | None) -> int | None:
    if left is None or right is None:
        return None
    if symbol in ("//", "%") and right == 0:
        return None
    return {
        "+": lambda: left + right,
        "-": lambda: left - right,
        "*": lambda: left * right,
        "//": lambda: left // right,
        "%": lambda: left % right,
    }[symbol]()


_ARITHMETIC = st.recursive(st.integers(0, 1000).map(_literal), _combine, max_leaves=16)


@settings(max_examples=400, deadline=None)
@given(_ARITHMETIC)
def test_integer_arithmetic_evaluates_like_python(expression: Arithmetic) -> None:
    compiled = compile_expression(expression.text)
    if expression.value is None:
        try:
            compiled.evaluate({})
        except ExpressionError as error:
            assert error.message == "division by zero"
        else:
            raise AssertionError(f"{expression.text} should fail with division by zero")
        return
    result = compiled.evaluate({})
    assert result == expression.value
    assert type(result) is int


# -- well-formed expressions over values of every type ----------------------------------------

_OPERANDS = st.sampled_from(
    ["a", "b", "c", "d", "e", "f", "d.k", "c[1]", "0", "-1", "2.5", "1e300", "''", "'x'", "null", "true",
     "[]", "[1, 'x']", "{}", "{'k': 1}", "coalesce(e, a)", "missing"]
)  # fmt: skip
_INFIX = ["+", "-", "*", "/", "//", "%", "**", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
_FUNCTIONS = ["len", "str", "int", "float", "bool", "abs", "min", "max", "round", "sum", "lower", "upper",
              "trim", "keys", "values"]  # fmt: skip
_PAIR_FUNCTIONS = ["contains", "startswith", "endswith", "matches", "min", "max", "round", "coalesce"]


def _compose(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(_INFIX), children).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["-", "not ", "!", "empty "]), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(_FUNCTIONS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(st.sampled_from(_PAIR_FUNCTIONS), children, children).map(
            lambda t: f"{t[0]}({t[1]}, {t[2]})"
        ),
        st.tuples(children, children).map(lambda t: f"({t[0]})[{t[1]}]"),
        st.tuples(children, children, children).map(lambda t: f"({t[0]} if {t[1]} else {t[2]})"),
        st.lists(children, max_size=3).map(lambda items: f"[{', '.join(items)}]"),
    )


_WELL_FORMED = st.recursive(_OPERANDS, _compose, max_leaves=10)


@settings(max_examples=400, deadline=None)
@given(_WELL_FORMED)
def test_well_formed_expressions_evaluate_or_fail_with_an_expression_error(source: str) -> None:
    compiled = compile_expression(source)
    with contextlib.suppress(ExpressionError):
        compiled.evaluate(VARIABLES)
