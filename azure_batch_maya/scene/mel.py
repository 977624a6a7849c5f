"""A tokenizer for the MEL statements that Maya ASCII files hold. It never executes anything.

It reads a region of text into statements (lists of tokens, split at `;` outside strings),
with strings unescaped, comments skipped and `"a" + "b"` concatenations joined, so the reader
above it only looks at words. Hostile input (an unterminated string, a statement that never
ends) ends the region as an incomplete statement instead of raising or hanging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# White space before a token is part of its match (half the matches of a separate one); the
# token is optional so that white space before a comment or the end is one match, not a retry
# at each of its characters.
_TOKEN = re.compile(
    r"""
    [ \t\r\n\f\v]*
    (?:
      //[^\n]*
    | /\*.*?(?:\*/|\Z)
    | "(?P<string>[^"\\]*(?:\\.[^"\\]*)*)"
    | "(?P<open>[^"\\]*(?:\\.[^"\\]*)*\\?)\Z
    | (?P<punct>[;(){}])
    | (?P<bulk>[^\s";(){}]+(?:[ \t\r\n]+[^\s";(){}]+){15,})
    | (?P<word>[^\s";(){}]+)
    )?
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@dataclass(frozen=True)
class Token:
    """A word (command, flag, number, unquoted name) or an unescaped string."""

    text: str
    quoted: bool


@dataclass(frozen=True)
class Statement:
    tokens: tuple[Token, ...]
    start: int
    complete: bool = True
    unterminated_string: bool = False

    @property
    def command(self) -> str:
        first = self.tokens[0] if self.tokens else None
        return first.text if first is not None and not first.quoted else ""


BULK = Token("\u2026", quoted=False)
"""Stands for a run of sixteen or more bare words (vertex data and the like)."""


def unescape(raw: str) -> str:
    """MEL string escapes; an unknown escape keeps its backslash, so nothing is lost."""
    if "\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: _ESCAPES.get(m.group(1), m.group(0)), raw)


def statements(text: str, start: int = 0, end: int | None = None) -> Iterator[Statement]:
    """Yield the statements of `text[start:end]` without copying the region."""
    end = len(text) if end is None else end
    tokens: list[Token] = []
    stmt_start = start
    concat = False
    for match in _TOKEN.finditer(text, start, end):
        kind = match.lastgroup  # most common first: words, then strings
        if kind == "word":
            word = match.group("word")
            if word == "+" and tokens and tokens[-1].quoted:
                concat = True
                continue
            if not tokens:
                stmt_start = match.start("word")
            tokens.append(Token(word, quoted=False))
            concat = False
        elif kind == "string":
            value = unescape(match.group("string"))
            if concat and tokens and tokens[-1].quoted:
                tokens[-1] = Token(tokens[-1].text + value, quoted=True)
            else:
                if not tokens:
                    stmt_start = match.start("string") - 1
                tokens.append(Token(value, quoted=True))
            concat = False
        elif kind == "punct":
            if match.group("punct") == ";":
                if tokens:
                    yield Statement(tuple(tokens), stmt_start)
                tokens = []
                stmt_start = match.end()
        elif kind == "bulk":  # numeric array data: one token, never split into words
            tokens.append(BULK)
            concat = False
        elif kind == "open":
            tokens.append(Token(unescape(match.group("open")), quoted=True))
            yield Statement(tuple(tokens), stmt_start, complete=False, unterminated_string=True)
            return
        # else white space before a comment, or at the end
    if tokens:
        yield Statement(tuple(tokens), stmt_start, complete=False)
