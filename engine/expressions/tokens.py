"""Splitting expression text into tokens, with the position of each for error messages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from engine.expressions.errors import ExpressionError
from engine.expressions.limits import MAX_INTEGER_DIGITS


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    OPERATOR = "operator"
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str
    value: object
    start: int  # offset in the compiled text
    end: int

    def describe(self) -> str:
        """How the token is named in an error message."""
        if self.kind is Kind.END:
            return "end of expression"
        if self.kind is Kind.NAME:
            return f"'{self.text}'" if self.text in RESERVED_WORDS else f"name '{self.text}'"
        if self.kind is Kind.STRING:
            shown = self.text if len(self.text) <= 40 else self.text[:37] + "..."
            return f"string {shown}"
        if self.kind is Kind.NUMBER:
            return f"number {self.text}"
        return f"'{self.text}'"


#: Words with a meaning of their own; none of them can be a variable name.
RESERVED_WORDS = frozenset(
    {
        "and", "or", "not", "in", "if", "else",
        "true", "false", "null", "True", "False", "None",
        "eq", "ne", "lt", "gt", "le", "ge", "div", "mod", "empty",
    }
)  # fmt: skip

#: Whitespace and `# comments` (a `#{` is a wrapper, not a comment).
_SPACE = re.compile(r"(?:\s|#(?!\{)[^\n]*)+")
_NUMBER = re.compile(r"[0-9]+(?P<fraction>\.[0-9]+)?(?P<exponent>[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[^\W\d]\w*")
_OPERATOR = re.compile(r"\*\*|//|==|!=|<=|>=|&&|\|\||[-+*/%<>!=()\[\]{},.:?]")
_STRING_RUN = {"'": re.compile(r"[^'\\\n]+"), '"': re.compile(r'[^"\\\n]+')}
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "0": "\0",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "/": "/",
}
_HINTS = {
    "&": "; did you mean '&&'?",
    "|": "; did you mean '||'?",
    "$": "; '${...}' wraps a whole condition or marks an expression inside a template, not part of one",
    "^": "; use '**' for powers",
    "`": "; quote strings with ' or \"",
}


def describe_position(text: str, offset: int) -> tuple[str, int]:
    """The position as shown to a user ("column 7", or "line 2, column 3" for multi-line text)."""
    line_start = text.rfind("\n", 0, offset) + 1
    column = offset - line_start + 1
    if "\n" in text.strip():
        return f"line {text.count(chr(10), 0, offset) + 1}, column {column}", column
    return f"column {column}", column


def syntax_error(text: str, offset: int, problem: str, detail: str = "") -> ExpressionError:
    """`problem at column N` followed by `detail` (": expected ...", " (hint)")."""
    where, column = describe_position(text, offset)
    return ExpressionError(f"{problem} at {where}{detail}", column=column)


def scan(text: str, position: int = 0) -> Iterator[Token]:
    """Tokens from `position` on, ending with one END token at the end of the text."""
    length = len(text)
    while True:
        space = _SPACE.match(text, position)
        if space:
            position = space.end()
        if position >= length:
            yield Token(Kind.END, "", None, length, length)
            return
        char = text[position]
        if char in "'\"":
            token = _string(text, position)
        elif match := _NUMBER.match(text, position):
            token = _number(text, match)
        elif match := _NAME.match(text, position):
            token = Token(Kind.NAME, match.group(), match.group(), position, match.end())
        elif match := _OPERATOR.match(text, position):
            token = Token(Kind.OPERATOR, match.group(), None, position, match.end())
        else:
            hint = _HINTS.get(char, "")
            raise syntax_error(text, position, f"unexpected character {char!r}", hint)
        yield token
        position = token.end


def tokenize(text: str, start: int = 0, stop: int | None = None) -> list[Token]:
    """All tokens of text[start:stop] (positions stay relative to the whole text), then END."""
    stop = len(text) if stop is None else stop
    tokens: list[Token] = []
    for token in scan(text, start):
        if token.kind is Kind.END or token.start >= stop:
            # "Unexpected end" points just after the last token, not at trailing whitespace.
            end = tokens[-1].end if tokens else start
            tokens.append(Token(Kind.END, "", None, end, end))
            return tokens
        tokens.append(token)
    raise AssertionError("scan() always ends with an END token")  # pragma: no cover


def find_closing_brace(text: str, opening: int) -> int:
    """Offset of the '}' closing the '${' or '#{' at `opening` (braces of dict literals nest)."""
    depth = 0
    for token in scan(text, opening + 2):
        if token.kind is Kind.END:
            raise syntax_error(text, opening, f"unclosed '{text[opening : opening + 2]}'", ": missing '}'")
        if token.kind is Kind.OPERATOR and token.text == "{":
            depth += 1
        elif token.kind is Kind.OPERATOR and token.text == "}":
            if depth == 0:
                return token.start
            depth -= 1
    raise AssertionError("scan() always ends with an END token")  # pragma: no cover


def _number(text: str, match: re.Match[str]) -> Token:
    literal = match.group()
    if match.group("fraction") or match.group("exponent"):
        value: object = float(literal)
        if value in (float("inf"), float("-inf")):
            raise syntax_error(text, match.start(), f"number {literal} is too large")
    else:
        if len(literal.lstrip("0")) > MAX_INTEGER_DIGITS:
            raise syntax_error(
                text, match.start(), "number is too large", f" (more than {MAX_INTEGER_DIGITS} digits)"
            )
        value = int(literal)
    return Token(Kind.NUMBER, literal, value, match.start(), match.end())


def _string(text: str, start: int) -> Token:
    quote = text[start]
    plain = _STRING_RUN[quote]
    chunks: list[str] = []
    position = start + 1
    while True:
        run = plain.match(text, position)
        if run:
            chunks.append(run.group())
            position = run.end()
        if position >= len(text) or text[position] == "\n":
            raise syntax_error(text, start, "unclosed string", f": missing the closing {quote}")
        char = text[position]
        if char == quote:
            return Token(Kind.STRING, text[start : position + 1], "".join(chunks), start, position + 1)
        # A backslash: one escape sequence.
        escape = text[position + 1 : position + 2]
        if escape in _ESCAPES:
            chunks.append(_ESCAPES[escape])
            position += 2
        elif escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[position + 2 : position + 6]):
            chunks.append(chr(int(text[position + 2 : position + 6], 16)))
            position += 6
        else:
            raise syntax_error(text, position, f"unknown escape sequence '\\{escape}' in a string")
