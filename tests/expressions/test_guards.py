"""Resource limits and attempts to reach Python internals: always a clean ExpressionError."""

from __future__ import annotations

import time

import pytest

from engine.expressions import ExpressionError, compile_expression, compile_script, render_template
from engine.expressions.limits import MAX_DEPTH
from tests.expressions.evaluation import compile_error, evaluate, evaluation_error


def test_it_refuses_source_over_ten_thousand_characters() -> None:
    error = compile_error("1" + " + 1" * 2500)
    assert error.message == "expression is too long (10,001 characters, at most 10,000)"


@pytest.mark.parametrize(
    "source",
    [
        "(" * 500 + "1" + ")" * 500,
        "[" * 500 + "]" * 500,
        "-" * 500 + "1",
        "not " * 500 + "true",
        "a" + "[0]" * 500,
        "+".join(["1"] * 500),
        "len(" * 200 + "'x'" + ")" * 200,
    ],
)
def test_it_refuses_deep_nesting_before_python_does(source: str) -> None:
    error = compile_error(source)
    assert "expression is nested too deeply" in error.message
    assert f"more than {MAX_DEPTH} levels" in error.message


def test_it_accepts_reasonable_nesting() -> None:
    assert evaluate("(" * 40 + "1" + ")" * 40) == 1
    assert evaluate("+".join(["1"] * 90)) == 90


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("'x' * 2000000", "string would be too long (2,000,000 > 1,000,000)"),
        ("[0] * 1000001", "list would be too long (1,000,001 > 1,000,000)"),
        ("big + big", "string would be too long (1,200,000 > 1,000,000)"),
        ("10 ** 101", "integer result is too large (more than 100 digits)"),
        ("10 ** 10 ** 9", "integer result is too large (more than 100 digits)"),
        ("2.0 ** 5000", "number result is too large"),
        ("1e308 * 10", "number result is too large (not a finite number)"),
        ("10 ** 60 * 10 ** 60", "integer result is too large (more than 100 digits)"),
        ("10.0 ** 300 / 1e-300", "number result is too large (not a finite number)"),
    ],
)
def test_it_refuses_results_that_would_exhaust_memory_or_time(source: str, message: str) -> None:
    started = time.monotonic()
    assert evaluation_error(source, big="x" * 600_000).message == message
    assert time.monotonic() - started < 1


def test_it_refuses_a_huge_integer_literal() -> None:
    assert compile_error("1" * 101).message == "number is too large at column 1 (more than 100 digits)"


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "eval('1')",
        "exec('x')",
        "open('/etc/passwd')",
        "getattr(x, 'y')",
        "type(x)",
        "globals()",
        "lambda: 1",
        "x.__class__.__mro__",
        "''.__class__",
        "[].append(1)",
        "().__class__",
        "x.__dict__",
        "'a'.upper()",
        "import os",
        "x; y",
        "x := 1",
        "f'{x}'",
        "`ls`",
        "$(ls)",
    ],
)
def test_it_gives_no_way_into_python(source: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(source).evaluate({"x": {"y": 1}})


def test_dotted_names_only_read_dict_keys() -> None:
    # A dict key that happens to be called __class__ is data, nothing more.
    assert evaluate("x.__class__", x={"__class__": "plain data"}) == "plain data"
    assert evaluation_error("s.__class__", s="text").message == (
        "cannot read '__class__' from 's': it is a str, not a dict"
    )
    assert evaluation_error("n.real", n=1).message == "cannot read 'real' from 'n': it is an int, not a dict"


def test_it_survives_absurdly_nested_variable_values() -> None:
    def nested(levels: int) -> list[object]:
        value: list[object] = []
        for _ in range(levels):
            value = [value]
        return value

    error = evaluation_error("x == y", x=nested(100_000), y=nested(100_000))
    assert error.message == "values are nested too deeply to evaluate"


def test_scripts_and_templates_have_size_limits_too() -> None:
    with pytest.raises(ExpressionError, match="script is too long"):
        compile_script("x = 1\n" * 20_000)
    with pytest.raises(ExpressionError, match="template is too long"):
        render_template("a" * 100_001, {})
    with pytest.raises(ExpressionError, match="rendered text would be too long"):
        render_template("${s}${s}", {"s": "x" * 600_000})


def test_it_refuses_input_that_is_not_text() -> None:
    with pytest.raises(ExpressionError, match="expression must be text, not NoneType"):
        compile_expression(None)  # type: ignore[arg-type]
    with pytest.raises(ExpressionError, match="script must be text, not bytes"):
        compile_script(b"a = 1")  # type: ignore[arg-type]


def test_it_refuses_nested_repetition_that_would_be_huge_once_stored() -> None:
    # Cheap to build (the inner lists are shared), a billion elements to write out as JSON.
    with pytest.raises(ExpressionError, match=r"too long|too large"):
        compile_expression("[[[1] * 1000] * 1000] * 1000").evaluate({})


def test_a_script_cannot_store_more_than_the_limit_across_its_lines() -> None:
    script = compile_script("a = [[1] * 900] * 900\nb = [a, a, a]")
    with pytest.raises(ExpressionError, match="line 2: the value of 'b' would be too large"):
        script.run({})
