"""The OData query options the service takes on lists: `$filter`, `$select`, `maxresults`.

`$filter` supports what Batch clients write: comparisons (`eq ne gt ge lt le`) of a property path
with a string, number, boolean or `datetime'…'` literal, `startswith(id,'x')`, `and`, `or`, `not`
and parentheses. Anything else is the service's 400 `InvalidQueryParameterValue`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from typing import Any

from azure_batch_maya.local.errors import BatchServiceError, invalid_query

Doc = Mapping[str, Any]
Predicate = Callable[[Doc], bool]

MAX_RESULTS = 1000
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<datetime>datetime'[^']*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_/.]*))"
)
_COMPARISONS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
}


def compile_filter(text: str | None) -> Predicate:
    """A predicate for `$filter`; with no filter every entity matches."""
    if not text or not text.strip():
        return lambda _doc: True
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    predicate = parser.expression()
    if parser.position != len(tokens):
        raise _bad_filter(text, f"Unexpected '{tokens[parser.position][1]}'.")
    return predicate


def lookup(doc: Doc, path: str) -> Any:
    """The value at an OData path such as `executionInfo/result`, or None."""
    value: Any = doc
    for part in path.split("/"):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def parse_select(text: str | None) -> list[str] | None:
    """The property names of `$select`, or None to return whole entities."""
    if not text or not text.strip():
        return None
    names = [name.strip() for name in text.split(",")]
    if any(not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*(?:/[A-Za-z][A-Za-z0-9]*)*", n) for n in names):
        raise invalid_query("$select", text, "The $select clause is not valid.")
    return names


def project(doc: Doc, names: list[str] | None) -> dict[str, Any]:
    """Keep only the `$select`ed top-level properties, in the entity's own order."""
    if names is None:
        return dict(doc)
    tops = {name.split("/")[0] for name in names}
    return {key: value for key, value in doc.items() if key in tops}


def parse_max_results(text: str | None) -> int:
    """`maxresults`: 1 to 1000, 1000 when absent, as the service enforces it."""
    if text is None:
        return MAX_RESULTS
    try:
        value = int(text)
    except ValueError:
        raise invalid_query("maxresults", text, "MaxResults must be an integer") from None
    if value < 1:
        raise invalid_query("maxresults", text, "MaxResults cannot be less than 1")
    return min(value, MAX_RESULTS)


def encode_skip_token(last_key: str) -> str:
    return base64.urlsafe_b64encode(last_key.encode("utf-8")).decode("ascii").rstrip("=")


def decode_skip_token(token: str | None) -> str | None:
    """The key the previous page ended on; the next page starts after it."""
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise invalid_query("$skiptoken", token, "The skip token is not valid.") from None


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _bad_filter(text, f"Unexpected character at position {position}.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _bad_filter(text: str, reason: str) -> BatchServiceError:
    return invalid_query("$filter", text, reason)


class _Parser:
    """Recursive descent over the tokens: or → and → not → primary."""

    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if token is None:
            raise _bad_filter(self.text, "The filter ends too early.")
        self.position += 1
        return token

    def _expect(self, value: str) -> None:
        got = self._take()[1]
        if got != value:
            raise _bad_filter(self.text, f"Expected '{value}' but found '{got}'.")

    def _keyword(self, word: str) -> bool:
        token = self._peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.position += 1
            return True
        return False

    def expression(self) -> Predicate:
        left = self._conjunction()
        while self._keyword("or"):
            right = self._conjunction()
            left = _either(left, right)
        return left

    def _conjunction(self) -> Predicate:
        left = self._unary()
        while self._keyword("and"):
            right = self._unary()
            left = _both(left, right)
        return left

    def _unary(self) -> Predicate:
        if self._keyword("not"):
            inner = self._unary()
            return lambda doc: not inner(doc)
        return self._primary()

    def _primary(self) -> Predicate:
        kind, value = self._take()
        if value == "(":
            inner = self.expression()
            self._expect(")")
            return inner
        if kind != "word":
            raise _bad_filter(self.text, f"Expected a property name but found '{value}'.")
        if value.lower() == "startswith":
            self._expect("(")
            path = self._take()
            self._expect(",")
            prefix = self._literal()
            self._expect(")")
            if path[0] != "word" or not isinstance(prefix, str):
                raise _bad_filter(self.text, "startswith takes a property and a string.")
            name = path[1]
            return lambda doc: (
                isinstance(lookup(doc, name), str) and lookup(doc, name).startswith(prefix)
            )
        operator = self._take()[1].lower()
        if operator not in _COMPARISONS:
            raise _bad_filter(self.text, f"The operator '{operator}' is not supported.")
        literal = self._literal()
        compare = _COMPARISONS[operator]
        return lambda doc: _safe(compare, lookup(doc, value), literal)

    def _literal(self) -> object:
        kind, value = self._take()
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "datetime":
            return value[len("datetime'") : -1]
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "word" and value.lower() == "null":
            return None
        raise _bad_filter(self.text, f"Expected a literal but found '{value}'.")


def _either(left: Predicate, right: Predicate) -> Predicate:
    return lambda doc: left(doc) or right(doc)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda doc: left(doc) and right(doc)


def _safe(compare: Callable[[Any, Any], bool], left: Any, right: Any) -> bool:
    try:
        return bool(compare(left, right))
    except TypeError:
        return False
