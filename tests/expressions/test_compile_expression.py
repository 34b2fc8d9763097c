"""compile_expression(): the optional ${...} wrapper, caching and the truthiness callers rely on."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from engine.expressions import compile_expression
from tests.expressions.evaluation import compile_error, evaluate


@pytest.mark.parametrize(
    "source",
    ["amount > 100", "${amount > 100}", "#{amount > 100}", "  ${ amount > 100 }\n  ", "\n\t${amount>100}"],
)
def test_it_accepts_a_plain_expression_or_one_whole_wrapper(source: str) -> None:
    assert evaluate(source, amount=150) is True
    assert evaluate(source, amount=50) is False


def test_it_matches_the_wrapper_brace_across_dict_literals_and_strings() -> None:
    assert evaluate('${ {"a": {"b": 1}}.a.b == 1 }') is True
    assert evaluate("${ name == '}' }", name="}") is True


def test_it_refuses_text_after_the_wrapper() -> None:
    error = compile_error("${a} == ${b}")
    assert error.message == (
        "unexpected text after the closing '}' at column 6: wrap the whole expression in one ${...} "
        "(or write it without ${...})"
    )
    assert error.column == 6


def test_it_reports_an_unclosed_wrapper() -> None:
    assert compile_error("${amount > 1").message == "unclosed '${' at column 1: missing '}'"
    assert compile_error("${}").message == "empty expression at column 3"


def test_it_caches_compiled_expressions_by_source_text() -> None:
    assert compile_expression("a + 1") is compile_expression("a + 1")


def test_it_keeps_the_source_for_messages() -> None:
    compiled = compile_expression("${x}")
    assert compiled.source == "${x}"
    assert repr(compiled) == "CompiledExpression('${x}')"


def test_it_evaluates_against_any_mapping_without_changing_it() -> None:
    variables = MappingProxyType({"order": {"lines": [1, 2]}})
    assert compile_expression("len(order.lines) == 2").evaluate(variables) is True
    assert variables == {"order": {"lines": [1, 2]}}


@pytest.mark.parametrize(
    ("source", "holds"),
    [("count", False), ("name", True), ("items", False), ("missing_ok", False), ("'false'", True)],
)
def test_conditions_follow_python_truthiness(source: str, holds: bool) -> None:
    # Callers take bool(result): 0, "", [], {} and null do not hold; any other value does.
    value = evaluate(source, count=0, name="x", items=[], missing_ok=None)
    assert bool(value) is holds
