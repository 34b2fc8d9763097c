"""Script task bodies: `name = expression` lines."""

from __future__ import annotations

import pytest

from engine.expressions import ExpressionError, compile_script

USAGE = "(e.g. total = price * quantity)"
CLOSE_PAREN = "expected ')' to close the '(' at column 5"
DOLLAR_HINT = "; '${...}' wraps a whole condition or marks an expression inside a template, not part of one"


def script_error(source: str, **variables: object) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_script(source).run(variables)
    return caught.value


def test_it_returns_only_the_assigned_variables() -> None:
    script = compile_script("subtotal = price * quantity\ntotal = subtotal * 1.2\n")
    assert script.run({"price": 10, "quantity": 3, "unrelated": True}) == {"subtotal": 30, "total": 36.0}


def test_later_lines_see_earlier_assignments_and_may_reassign() -> None:
    source = "count = 1\ncount = count + 1\nlabel = 'n=' + str(count)"
    assert compile_script(source).run({}) == {"count": 2, "label": "n=2"}


def test_an_assignment_shadows_an_input_variable_without_changing_it() -> None:
    variables = {"amount": 5}
    assert compile_script("amount = amount * 2\ndouble = amount").run(variables) == {
        "amount": 10,
        "double": 10,
    }
    assert variables == {"amount": 5}


def test_it_skips_blank_lines_comments_and_indentation() -> None:
    source = """
        # Approval routing
        needs_approval = amount > 1000   # large orders

        approver = 'cfo' if amount > 100000 else 'manager'
    """
    script = compile_script(source)
    assert script.run({"amount": 5000}) == {"needs_approval": True, "approver": "manager"}
    assert script.assigned_names == ("needs_approval", "approver")


def test_an_empty_script_assigns_nothing() -> None:
    assert compile_script("").run({}) == {}
    assert compile_script("# nothing yet\n\n").run({}) == {}


def test_it_handles_windows_line_endings() -> None:
    assert compile_script("a = 1\r\nb = a + 1\r\n").run({}) == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("source", "message", "line", "column"),
    [
        ("total == 5", "line 1: expected 'name = expression' at column 1 " + USAGE, 1, 1),
        ("x = 1\n5 = x", "line 2: expected 'name = expression' at column 1 " + USAGE, 2, 1),
        ("print(x)", "line 1: expected 'name = expression' at column 1 " + USAGE, 1, 1),
        ("a.b = 1", "line 1: expected 'name = expression' at column 1 " + USAGE, 1, 1),
        ("  if = 3", "line 1: reserved word 'if' at column 3 cannot be a variable name", 1, 3),
        ("true = 1", "line 1: reserved word 'true' at column 1 cannot be a variable name", 1, 1),
        ("x =", "line 1: missing expression after '=' at column 4 " + USAGE, 1, 4),
        ("x = 1\n\ny = (2", "line 3: unexpected end of expression at column 7: " + CLOSE_PAREN, 3, 7),
        ("x = 1 = 2", "line 1: unexpected '=' at column 7: to compare, use '=='", 1, 7),
        ("x = y = 2", "line 1: unexpected '=' at column 7: to compare, use '=='", 1, 7),
        ("x = ${a}", "line 1: unexpected character '$' at column 5" + DOLLAR_HINT, 1, 5),
        ("x = 'open", "line 1: unclosed string at column 5: missing the closing '", 1, 5),
    ],
)  # fmt: skip
def test_it_reports_malformed_lines_with_line_and_column(
    source: str, message: str, line: int, column: int
) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_script(source)
    error = caught.value
    assert error.message == message
    assert str(error) == message
    assert (error.line, error.column) == (line, column)
    assert error.source == source


def test_it_reports_evaluation_errors_with_their_line() -> None:
    error = script_error("a = 1\nb = a / zero\n", zero=0)
    assert error.message == "line 2: division by zero"
    assert (error.line, error.column) == (2, 7)
    assert script_error("a = 1\n# c\nb = c + 1").message == "line 3: unknown variable 'c'"


def test_a_failing_line_assigns_nothing() -> None:
    # run() raises: the caller gets no partial result to apply.
    with pytest.raises(ExpressionError):
        compile_script("a = 1\nb = missing").run({})


def test_it_caches_compiled_scripts() -> None:
    assert compile_script("a = 1") is compile_script("a = 1")
