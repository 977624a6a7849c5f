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

# One match a token, white space before it included; `findall` gives the groups of every
# match at once (string, open string, punctuation, word, more words), so Python looks at tuples,
# not match objects. The token is optional so that white space before a comment or the end is
# one match, not a retry at each of its characters. A word followed by fifteen more is a run of
# array data (`more`): one token, never split.
_TOKEN = re.compile(
    r"""
    [ \t\r\n\f\v]*
    (?:
      //[^\n]*
    | /\*.*?(?:\*/|\Z)
    | ("[^"\\]*(?:\\.[^"\\]*)*)"
    | ("[^"\\]*(?:\\.[^"\\]*)*\\?)\Z
    | ([;(){}])
    | ([^\s";(){}]+)((?:[ \t\r\n]+[^\s";(){}]+){15,})?
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


# Short tokens met often (commands, flags, attribute names, small values) are made once: a
# Token is immutable, and making one costs more than finding it. Keyed by the matched text (a
# string with its opening quote, so it never meets a word); bounded in count and length.
_KNOWN: dict[str, Token] = {}
_KNOWN_MAX = 4096
_KNOWN_LENGTH = 64


def statements(text: str, start: int = 0, end: int | None = None) -> Iterator[Statement]:
    """Yield the statements of `text[start:end]` without copying the region."""
    tokens: list[Token] = []
    concat = False
    known = _KNOWN
    matches = _TOKEN.findall(text, start, len(text) if end is None else end)
    for string, open_string, punct, word, more in matches:
        if word:
            if more:  # numeric array data: one token
                tokens.append(BULK)
            elif word == "+" and tokens and tokens[-1].quoted:
                concat = True
                continue
            else:
                token = known.get(word)
                if token is None:
                    token = Token(word, False)
                    if len(known) < _KNOWN_MAX and len(word) <= _KNOWN_LENGTH:
                        known[word] = token
                tokens.append(token)
            concat = False
        elif string:
            if concat and tokens and tokens[-1].quoted:
                tokens[-1] = Token(tokens[-1].text + unescape(string[1:]), True)
            else:
                token = known.get(string)
                if token is None:
                    token = Token(unescape(string[1:]), True)
                    if len(known) < _KNOWN_MAX and len(string) <= _KNOWN_LENGTH:
                        known[string] = token
                tokens.append(token)
            concat = False
        elif punct == ";":
            if tokens:
                yield Statement(tuple(tokens))
            tokens = []
        elif open_string:
            tokens.append(Token(unescape(open_string[1:]), quoted=True))
            yield Statement(tuple(tokens), complete=False, unterminated_string=True)
            return
        # else white space before a comment or the end, a comment, or `(){}`
    if tokens:
        yield Statement(tuple(tokens), complete=False)
