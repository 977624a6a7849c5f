"""Recursive-descent parser: formula text to a `tree.Formula`.

Statements are separated by `;` (a last one may end without it). Precedence, lowest first:
`?:` (right to left), `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* /`, unary `- !`, then
`.member` / `.Method(...)` and calls. Unknown functions and sample methods are syntax errors,
as is anything left unparsed; undefined variables are found only when evaluated, as the
service reports them.
"""

from __future__ import annotations

from azure_batch_maya.local.autoscale.functions import FUNCTION_NAMES
from azure_batch_maya.local.autoscale.lexer import END, NAME, NUMBER, STRING, Token, tokenize
from azure_batch_maya.local.autoscale.problems import FormulaSyntaxError
from azure_batch_maya.local.autoscale.samples import METHOD_NAMES
from azure_batch_maya.local.autoscale.tree import (
    Assignment,
    Binary,
    Call,
    Conditional,
    Evaluation,
    Expression,
    Formula,
    Member,
    Method,
    Name,
    Number,
    Statement,
    String,
    Unary,
)

_LEVELS: tuple[tuple[str, ...], ...] = (
    ("||",),
    ("&&",),
    ("==", "!="),
    ("<", "<=", ">", ">="),
    ("+", "-"),
    ("*", "/"),
)


def parse(formula: str) -> Formula:
    """Parse a whole formula; raises FormulaSyntaxError at the first problem."""
    return _Parser(tokenize(formula)).formula()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def _is(self, text: str) -> bool:
        token = self.token
        return token.kind not in (STRING, END) and token.text == text

    def _take(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def _expect(self, text: str) -> Token:
        if not self._is(text):
            raise self._unexpected(f"expected '{text}'")
        return self._take()

    def _unexpected(self, wanted: str) -> FormulaSyntaxError:
        token = self.token
        found = "end of formula" if token.kind == END else f"'{token.text}'"
        if token.kind == STRING:
            found = f'"{token.text}"'
        return FormulaSyntaxError(f"Unexpected {found}, {wanted}", token.line, token.column)

    def formula(self) -> Formula:
        statements: list[Statement] = []
        while self.token.kind != END:
            if self._is(";"):
                self._take()
                continue
            statements.append(self.statement())
            if self.token.kind != END:
                self._expect(";")
        return Formula(tuple(statements))

    def statement(self) -> Statement:
        first = self.token
        following = self.tokens[self.at + 1]
        if first.kind == NAME and following.kind == "operator" and following.text == "=":
            self.at += 2
            return Assignment(first.text, self.expression(), first.line, first.column)
        return Evaluation(self.expression(), first.line, first.column)

    def expression(self) -> Expression:
        condition = self.binary(0)
        if not self._is("?"):
            return condition
        mark = self._take()
        then = self.expression()
        self._expect(":")
        otherwise = self.expression()
        return Conditional(condition, then, otherwise, mark.line, mark.column)

    def binary(self, level: int) -> Expression:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.token.kind == "operator" and self.token.text in _LEVELS[level]:
            operator = self._take()
            right = self.binary(level + 1)
            left = Binary(operator.text, left, right, operator.line, operator.column)
        return left

    def unary(self) -> Expression:
        if self._is("-") or self._is("!"):
            operator = self._take()
            operand = self.unary()
            return Unary(operator.text, operand, operator.line, operator.column)
        return self.postfix()

    def postfix(self) -> Expression:
        value = self.primary()
        while self._is("."):
            self._take()
            member = self.token
            if member.kind != NAME or member.text.startswith("$"):
                raise self._unexpected("expected a member name after '.'")
            self._take()
            if self._is("("):
                if member.text not in METHOD_NAMES:
                    raise FormulaSyntaxError(
                        f"Unknown method {member.text}", member.line, member.column
                    )
                args = self.arguments()
                value = Method(value, member.text, args, member.line, member.column)
            else:
                value = Member(value, member.text, member.line, member.column)
        return value

    def arguments(self) -> tuple[Expression, ...]:
        self._expect("(")
        args: list[Expression] = []
        if not self._is(")"):
            args.append(self.expression())
            while self._is(","):
                self._take()
                args.append(self.expression())
        self._expect(")")
        return tuple(args)

    def primary(self) -> Expression:
        token = self.token
        if token.kind == NUMBER:
            self._take()
            return Number(float(token.text), token.line, token.column)
        if token.kind == STRING:
            self._take()
            return String(token.text, token.line, token.column)
        if token.kind == NAME:
            self._take()
            if self._is("("):
                if token.text not in FUNCTION_NAMES:
                    raise FormulaSyntaxError(
                        f"Unknown function {token.text}", token.line, token.column
                    )
                return Call(token.text, self.arguments(), token.line, token.column)
            return Name(token.text, token.line, token.column)
        if self._is("("):
            self._take()
            inner = self.expression()
            self._expect(")")
            return inner
        raise self._unexpected("expected a value")
