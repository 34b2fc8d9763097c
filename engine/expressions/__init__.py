"""The engine's one safe expression language: conditions, script tasks and `${...}` templates.

Pure Python: a tokenizer and a Pratt parser compile the text into nested closures. There is no
eval/exec, no Python attribute access and no imports; only JSON data, a fixed set of operators
and an allowlist of functions. See docs/expressions.md for the language reference.
"""

from engine.expressions.compiled import CompiledExpression, compile_expression
from engine.expressions.errors import ExpressionError
from engine.expressions.scripts import CompiledScript, compile_script
from engine.expressions.templates import check_template, render_template

__all__ = [
    "CompiledExpression",
    "CompiledScript",
    "ExpressionError",
    "check_template",
    "compile_expression",
    "compile_script",
    "render_template",
]
