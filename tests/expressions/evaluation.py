"""Shortcuts for the expression tests: evaluate a source text, or get the error it raises."""

from __future__ import annotations

from typing import Any

import pytest

from engine.expressions import ExpressionError, compile_expression


def evaluate(source: str, **variables: Any) -> Any:
    return compile_expression(source).evaluate(variables)


def compile_error(source: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    return caught.value


def evaluation_error(source: str, **variables: Any) -> ExpressionError:
    compiled = compile_expression(source)
    with pytest.raises(ExpressionError) as caught:
        compiled.evaluate(variables)
    return caught.value
