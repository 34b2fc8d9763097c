"""A Pratt (precedence-climbing) parser that compiles tokens straight into nested closures.

Each syntax node becomes a Python function `run(variables) -> value`; evaluating an
expression is one call into that tree, with no interpretation loop and no Python `eval`.

Binding powers, loosest first (Python's order, plus JUEL's spellings):
  `a if c else b`, `c ? a : b` < `or` `||` < `and` `&&` < `not` < comparisons and `in`
  (chained like Python) < `+ -` < `* / // % div mod` < unary `- + ! empty` < `**`
  < `.key`, `[index]`, calls.

An evaluation error gets its column from the closure that raised it. The closures do that with
inline try blocks (free in Python 3.11 until something raises) rather than a wrapper call per
node, because conditions are evaluated on every token move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.expressions.access import read_index, read_key, read_slice
from engine.expressions.errors import ExpressionError, MissingValueError
from engine.expressions.functions import FUNCTIONS
from engine.expressions.limits import MAX_DEPTH
from engine.expressions.operators import (
    ARITHMETIC,
    COMPARISONS,
    RAW_ORDERINGS,
    WORD_OPERATORS,
    negate,
    positive,
)
from engine.expressions.tokens import RESERVED_WORDS, Kind, Token, describe_position, syntax_error
from engine.expressions.values import is_empty, type_name

Evaluator = Callable[[Mapping[str, Any]], Any]

TERNARY, OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, POWER, POSTFIX = range(10, 110, 10)

_LITERAL_WORDS = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}
_COMPARISON_WORDS = {"in": "in", "eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}
_SUM_OPERATORS = {"+", "-"}
_PRODUCT_OPERATORS = {"*", "/", "//", "%", "div", "mod"}
_LONGEST_QUOTED_SOURCE = 40
#: Same-type operands Python orders exactly as the language does (bool is not among them).
_FAST_ORDERING_TYPES = frozenset({int, float, str})


@dataclass(frozen=True, slots=True)
class Node:
    """A compiled piece of the expression and where it came from."""

    run: Evaluator
    start: int
    end: int
    depth: int
    #: Literals carry their value so operators can skip a call when evaluating.
    constant: bool = False
    value: Any = None


def run_guarded(run: Evaluator, variables: Mapping[str, Any]) -> Any:
    """Evaluate a compiled tree; the tree's own depth is bounded by the parser, so a
    RecursionError can only come from absurdly nested variable values (== on deep JSON)."""
    try:
        return run(variables)
    except RecursionError:
        raise ExpressionError("values are nested too deeply to evaluate") from None


def _locate(error: ExpressionError, column: int) -> None:
    """Point an evaluation error at the innermost operator that raised it."""
    if error.column is None:
        error.column = column


class Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.nesting = 0

    # -- entry point -------------------------------------------------------------------------

    def parse(self) -> Node:
        if self.token.kind is Kind.END:
            raise syntax_error(self.text, self.token.start, "empty expression")
        node = self.expression(0)
        if self.token.kind is not Kind.END:
            raise self.unexpected("an operator or the end of the expression")
        return node

    # -- token helpers -----------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not Kind.END:
            self.index += 1
        return token

    def at(self, text: str) -> bool:
        token = self.token
        return token.text == text and token.kind in (Kind.OPERATOR, Kind.NAME)

    def unexpected(self, expected: str) -> ExpressionError:
        token = self.token
        if token.kind is Kind.OPERATOR and token.text == "=":
            return syntax_error(self.text, token.start, "unexpected '='", ": to compare, use '=='")
        return syntax_error(
            self.text, token.start, f"unexpected {token.describe()}", f": expected {expected}"
        )

    def expect(self, text: str, expected: str) -> Token:
        if not self.at(text):
            raise self.unexpected(expected)
        return self.advance()

    def column(self, offset: int) -> int:
        return describe_position(self.text, offset)[1]

    def quoted(self, node: Node) -> str:
        source = " ".join(self.text[node.start : node.end].split())
        if len(source) > _LONGEST_QUOTED_SOURCE:
            source = source[: _LONGEST_QUOTED_SOURCE - 3] + "..."
        return source

    def node(self, run: Evaluator, start: int, end: int, *children: Node) -> Node:
        depth = 1 + max((child.depth for child in children), default=0)
        if depth > MAX_DEPTH:
            raise syntax_error(
                self.text, start, "expression is nested too deeply", f" (more than {MAX_DEPTH} levels)"
            )
        return Node(run, start, end, depth)

    def literal(self, value: Any, token: Token) -> Node:
        return Node(lambda variables: value, token.start, token.end, 1, constant=True, value=value)

    # -- Pratt loop --------------------------------------------------------------------------

    def expression(self, min_power: int) -> Node:
        self.nesting += 1
        if self.nesting > MAX_DEPTH:
            raise syntax_error(
                self.text,
                self.token.start,
                "expression is nested too deeply",
                f" (more than {MAX_DEPTH} levels)",
            )
        try:
            left = self.prefix()
            while True:
                power, rule = self.infix_rule()
                if rule is None or power <= min_power:
                    return left
                left = rule(left)
        finally:
            self.nesting -= 1

    def infix_rule(self) -> tuple[int, Callable[[Node], Node] | None]:
        token = self.token
        if token.kind is Kind.OPERATOR:
            text = token.text
            if text in COMPARISONS:
                return COMPARE, self.comparison
            if text in _SUM_OPERATORS:
                return SUM, self.arithmetic
            if text in _PRODUCT_OPERATORS:
                return PRODUCT, self.arithmetic
            if text == "**":
                return POWER, self.power
            if text in ("||", "&&"):
                return (OR if text == "||" else AND), self.logical
            if text == "?":
                return TERNARY, self.question_conditional
            if text in (".", "[", "("):
                return POSTFIX, self.postfix
            return 0, None
        if token.kind is Kind.NAME:
            text = token.text
            if text in _COMPARISON_WORDS or (text == "not" and self.tokens[self.index + 1].text == "in"):
                return COMPARE, self.comparison
            if text in ("div", "mod"):
                return PRODUCT, self.arithmetic
            if text in ("and", "or"):
                return (OR if text == "or" else AND), self.logical
            if text == "if":
                return TERNARY, self.if_conditional
        return 0, None

    # -- prefix forms ------------------------------------------------------------------------

    def prefix(self) -> Node:
        token = self.token
        if token.kind in (Kind.NUMBER, Kind.STRING):
            self.advance()
            return self.literal(token.value, token)
        if token.kind is Kind.NAME:
            return self.name_prefix(token)
        if token.kind is Kind.OPERATOR:
            text = token.text
            if text == "(":
                self.advance()
                inner = self.expression(0)
                closing = self.expect(")", f"')' to close the '(' at column {self.column(token.start)}")
                return self.node(inner.run, token.start, closing.end, inner)
            if text == "[":
                return self.list_literal(token)
            if text == "{":
                return self.dict_literal(token)
            if text in ("-", "+", "!"):
                return self.unary(token)
        raise self.unexpected("a value")

    def name_prefix(self, token: Token) -> Node:
        name = token.text
        if name in _LITERAL_WORDS:
            self.advance()
            return self.literal(_LITERAL_WORDS[name], token)
        if name in ("not", "empty"):
            return self.unary(token)
        if name in RESERVED_WORDS:
            raise self.unexpected("a value")
        self.advance()
        if self.at("("):
            return self.call(token)
        column = self.column(token.start)

        def variable(variables: Mapping[str, Any]) -> Any:
            try:
                return variables[name]
            except KeyError:
                raise MissingValueError(f"unknown variable '{name}'", column=column) from None

        return self.node(variable, token.start, token.end)

    def unary(self, token: Token) -> Node:
        self.advance()
        operand = self.expression(NOT if token.text == "not" else UNARY)
        run = operand.run
        column = self.column(token.start)
        if token.text in ("not", "!"):

            def evaluate(variables: Mapping[str, Any]) -> Any:
                return not run(variables)

        elif token.text == "empty":

            def evaluate(variables: Mapping[str, Any]) -> Any:
                return is_empty(run(variables))

        else:
            operation = negate if token.text == "-" else positive

            def evaluate(variables: Mapping[str, Any]) -> Any:
                try:
                    return operation(run(variables))
                except ExpressionError as error:
                    _locate(error, column)
                    raise

        return self.node(evaluate, token.start, operand.end, operand)

    def list_literal(self, opening: Token) -> Node:
        self.advance()
        items = self.sequence("]", opening)
        closing = self.advance()
        runs = tuple(item.run for item in items)
        return self.node(
            lambda variables: [run(variables) for run in runs], opening.start, closing.end, *items
        )

    def dict_literal(self, opening: Token) -> Node:
        self.advance()
        entries: list[tuple[Node, Node]] = []
        while not self.at("}"):
            key = self.expression(0)
            self.expect(":", "':' between a key and its value")
            entries.append((key, self.expression(0)))
            if not self.at("}"):
                self.expect(",", f"',' or '}}' to close the '{{' at column {self.column(opening.start)}")
        closing = self.advance()
        pairs = tuple((key.run, value.run, self.column(key.start)) for key, value in entries)

        def build(variables: Mapping[str, Any]) -> dict[str, Any]:
            result = {}
            for key_run, value_run, column in pairs:
                key = key_run(variables)
                if type(key) is not str:
                    raise ExpressionError(f"dict keys must be str, not {type_name(key)}", column=column)
                result[key] = value_run(variables)
            return result

        children = [node for pair in entries for node in pair]
        return self.node(build, opening.start, closing.end, *children)

    def sequence(self, closing: str, opening: Token) -> list[Node]:
        """Comma-separated expressions up to `closing` (left unconsumed); a trailing comma is fine."""
        items: list[Node] = []
        while not self.at(closing):
            items.append(self.expression(0))
            if not self.at(closing):
                where = self.column(opening.start)
                self.expect(",", f"',' or '{closing}' to close the '{opening.text}' at column {where}")
        return items

    def call(self, name_token: Token) -> Node:
        name = name_token.text
        function = FUNCTIONS.get(name)
        if function is None:
            raise syntax_error(
                self.text,
                name_token.start,
                f"unknown function '{name}'",
                f" (available: {', '.join(sorted(FUNCTIONS))})",
            )
        opening = self.advance()
        arguments = self.sequence(")", opening)
        closing = self.advance()
        problem = function.arity_problem(len(arguments))
        if problem:
            raise syntax_error(self.text, name_token.start, problem)
        column = self.column(name_token.start)
        runs = tuple(argument.run for argument in arguments)
        call = function.call
        if function.lazy:

            def apply(variables: Mapping[str, Any]) -> Any:
                return call(runs, variables)

        elif len(runs) == 1:
            (only,) = runs

            def apply(variables: Mapping[str, Any]) -> Any:
                return call(only(variables))

        else:

            def apply(variables: Mapping[str, Any]) -> Any:
                return call(*[run(variables) for run in runs])

        def evaluate(variables: Mapping[str, Any]) -> Any:
            try:
                return apply(variables)
            except ExpressionError as error:
                _locate(error, column)
                raise

        return self.node(evaluate, name_token.start, closing.end, *arguments)

    # -- infix forms -------------------------------------------------------------------------

    def arithmetic(self, left: Node) -> Node:
        token = self.advance()
        symbol = WORD_OPERATORS.get(token.text, token.text)
        right = self.expression(SUM if symbol in _SUM_OPERATORS else PRODUCT)
        return self.binary(ARITHMETIC[symbol], left, right, token)

    def power(self, left: Node) -> Node:
        token = self.advance()
        # Right-associative, and the exponent may carry a sign: 2 ** -1, 2 ** 3 ** 2.
        right = self.expression(UNARY)
        return self.binary(ARITHMETIC["**"], left, right, token)

    def binary(self, operation: Callable[[Any, Any], Any], left: Node, right: Node, token: Token) -> Node:
        evaluate = _binary(operation, left.run, right.run, self.column(token.start))
        return self.node(evaluate, left.start, right.end, left, right)

    def comparison_operator(self) -> str | None:
        token = self.token
        if token.kind is Kind.OPERATOR and token.text in COMPARISONS:
            return token.text
        if token.kind is Kind.NAME:
            if token.text in _COMPARISON_WORDS:
                return _COMPARISON_WORDS[token.text]
            if token.text == "not" and self.tokens[self.index + 1].text == "in":
                return "not in"
        return None

    def comparison(self, left: Node) -> Node:
        """`a < b <= c` means `a < b and b <= c`, with b evaluated once (as in Python)."""
        steps: list[tuple[Callable[[Any, Any], bool], Evaluator, int]] = []
        operands = [left]
        symbols: list[str] = []
        while (symbol := self.comparison_operator()) is not None:
            symbols.append(symbol)
            token = self.advance()
            if symbol == "not in":
                self.advance()
            right = self.expression(COMPARE)
            steps.append((COMPARISONS[symbol], right.run, self.column(token.start)))
            operands.append(right)
        if len(steps) == 1:
            evaluate = _single_comparison(symbols[0], left.run, operands[1], steps[0][2])
        else:
            first = left.run

            def evaluate(variables: Mapping[str, Any]) -> Any:
                current = first(variables)
                for operation, right_run, column in steps:
                    right = right_run(variables)
                    try:
                        holds = operation(current, right)
                    except ExpressionError as error:
                        _locate(error, column)
                        raise
                    if not holds:
                        return False
                    current = right
                return True

        return self.node(evaluate, left.start, operands[-1].end, *operands)

    def logical(self, left: Node) -> Node:
        """`and`/`&&`, `or`/`||`: short-circuit, and the result is the deciding operand (as in Python)."""
        token = self.advance()
        is_and = WORD_OPERATORS[token.text] == "and"
        right = self.expression(AND if is_and else OR)
        left_run, right_run = left.run, right.run
        if is_and:

            def evaluate(variables: Mapping[str, Any]) -> Any:
                value = left_run(variables)
                return right_run(variables) if value else value

        else:

            def evaluate(variables: Mapping[str, Any]) -> Any:
                value = left_run(variables)
                return value if value else right_run(variables)

        return self.node(evaluate, left.start, right.end, left, right)

    def if_conditional(self, when_true: Node) -> Node:
        self.advance()
        condition = self.expression(TERNARY)
        self.expect("else", "'else' to complete 'a if condition else b'")
        when_false = self.expression(TERNARY - 1)
        return self.conditional(condition, when_true, when_false, when_true.start)

    def question_conditional(self, condition: Node) -> Node:
        self.advance()
        when_true = self.expression(TERNARY - 1)
        self.expect(":", "':' to complete 'condition ? a : b'")
        when_false = self.expression(TERNARY - 1)
        return self.conditional(condition, when_true, when_false, condition.start)

    def conditional(self, condition: Node, when_true: Node, when_false: Node, start: int) -> Node:
        test, yes, no = condition.run, when_true.run, when_false.run

        def evaluate(variables: Mapping[str, Any]) -> Any:
            return yes(variables) if test(variables) else no(variables)

        end = max(condition.end, when_true.end, when_false.end)
        return self.node(evaluate, start, end, condition, when_true, when_false)

    # -- postfix forms: .key, [index], [start:stop] --------------------------------------------

    def postfix(self, left: Node) -> Node:
        token = self.advance()
        if token.text == ".":
            key_token = self.token
            if key_token.kind is not Kind.NAME:
                raise self.unexpected("a key name after '.' (use [\"key\"] for other keys)")
            self.advance()
            return self.member(left, key_token)
        if token.text == "[":
            return self.subscript(left, token)
        raise syntax_error(
            self.text,
            token.start,
            "unexpected '('",
            f": only functions can be called, and '{self.quoted(left)}' is not one",
        )

    def member(self, left: Node, key_token: Token) -> Node:
        key = key_token.text
        target = left.run
        where = self.quoted(left)
        column = self.column(key_token.start)

        def evaluate(variables: Mapping[str, Any]) -> Any:
            return read_key(target(variables), key, where, column)

        return self.node(evaluate, left.start, key_token.end, left)

    def subscript(self, left: Node, opening: Token) -> Node:
        bounds: list[Node | None] = []
        is_slice = False
        for _ in range(2):
            bounds.append(None if self.at(":") or self.at("]") else self.expression(0))
            if is_slice or not self.at(":"):
                break
            self.advance()
            is_slice = True
        closing = self.expect("]", f"']' to close the '[' at column {self.column(opening.start)}")
        children = [bound for bound in bounds if bound is not None]
        if not is_slice and not children:
            raise syntax_error(self.text, opening.start, "empty '[]'", ": expected an index or a key")
        target = left.run
        where = self.quoted(left)
        column = self.column(opening.start)
        if is_slice:
            start_run, stop_run = (
                bound.run if bound else _none for bound in bounds + [None] * (2 - len(bounds))
            )

            def evaluate(variables: Mapping[str, Any]) -> Any:
                return read_slice(target(variables), start_run(variables), stop_run(variables), where, column)

        else:
            key_run = children[0].run

            def evaluate(variables: Mapping[str, Any]) -> Any:
                return read_index(target(variables), key_run(variables), where, column)

        return self.node(evaluate, left.start, closing.end, left, *children)


def _single_comparison(symbol: str, left_run: Evaluator, right: Node, column: int) -> Evaluator:
    """The common case `a < b`, specialised because conditions are evaluated constantly: plain
    Python comparison when both sides have the same simple type, full checks otherwise."""
    operation = COMPARISONS[symbol]
    raw = RAW_ORDERINGS.get(symbol)
    right_run, value = right.run, right.value
    fast_types = _FAST_ORDERING_TYPES
    if raw is not None and right.constant and type(value) in fast_types:
        value_type = type(value)

        def compare_with_constant(variables: Mapping[str, Any]) -> Any:
            current = left_run(variables)
            if type(current) is value_type:
                return raw(current, value)
            try:
                return operation(current, value)
            except ExpressionError as error:
                _locate(error, column)
                raise

        return compare_with_constant
    if raw is not None:

        def compare_ordered(variables: Mapping[str, Any]) -> Any:
            current, other = left_run(variables), right_run(variables)
            if type(current) is type(other) and type(current) in fast_types:
                return raw(current, other)
            try:
                return operation(current, other)
            except ExpressionError as error:
                _locate(error, column)
                raise

        return compare_ordered
    if right.constant:

        def compare_to_constant(variables: Mapping[str, Any]) -> Any:
            try:
                return operation(left_run(variables), value)
            except ExpressionError as error:
                _locate(error, column)
                raise

        return compare_to_constant

    return _binary(operation, left_run, right_run, column)


def _binary(
    operation: Callable[[Any, Any], Any], left_run: Evaluator, right_run: Evaluator, column: int
) -> Evaluator:
    def evaluate(variables: Mapping[str, Any]) -> Any:
        try:
            return operation(left_run(variables), right_run(variables))
        except ExpressionError as error:
            _locate(error, column)
            raise

    return evaluate


def _none(variables: Mapping[str, Any]) -> None:
    return None
