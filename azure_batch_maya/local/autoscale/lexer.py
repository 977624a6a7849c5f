"""Tokens of an autoscale formula: numbers, strings, names, operators, with their place.

Formulas may hold line breaks and comments (Microsoft's examples use `//` comments; `/* */`
is taken too). Names are `$`-prefixed service or user variables, or plain user variables,
functions and constants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure_batch_maya.local.autoscale.problems import FormulaSyntaxError

NUMBER = "number"
STRING = "string"
NAME = "name"
OPERATOR = "operator"
END = "end"

_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r"|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r'|(?P<string>"[^"\n]*")'
    r"|(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<operator>&&|\|\||==|!=|<=|>=|[-+*/<>!?:=(),.;])",
    re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text (a string's text without quotes), line and column."""

    kind: str
    text: str
    line: int
    column: int


def tokenize(formula: str) -> list[Token]:
    """The formula's tokens ending with an `end` token; raises FormulaSyntaxError."""
    tokens: list[Token] = []
    at = 0
    line, line_start = 1, 0
    while at < len(formula):
        match = _TOKEN.match(formula, at)
        column = at - line_start + 1
        if formula.startswith("/*", at) and "*/" not in formula[at + 2 :]:
            raise FormulaSyntaxError("Unterminated comment", line, column)
        if match is None:
            if formula[at] == '"':
                raise FormulaSyntaxError("Unterminated string", line, column)
            raise FormulaSyntaxError(f"Unexpected character '{formula[at]}'", line, column)
        kind = match.lastgroup or ""
        text = match.group()
        if kind == STRING:
            tokens.append(Token(STRING, text[1:-1], line, column))
        elif kind in (NUMBER, NAME, OPERATOR):
            tokens.append(Token(kind, text, line, column))
        breaks = text.count("\n")
        if breaks:
            line += breaks
            line_start = at + text.rindex("\n") + 1
        at = match.end()
    tokens.append(Token(END, "", line, len(formula) - line_start + 1))
    return tokens
