"""A Maya ASCII file's bytes, and how its strings are decoded.

Scenes declare their encoding in a `//Codeset:` header line (932, 949, 1252, UTF-8 all occur).
Where the codec allows it, the file is searched as bytes and only the regions the reader
tokenizes are decoded, so a 200 MB scene is never turned into a 200 MB string.

A big scene is mostly numbers (mesh vertices, faces, curves), and a regular expression walks
those bytes one at a time. So the searches here `find` one byte that numbers never hold (the
`N` of `createNode`, the `g` of `"string`): that is `memchr`, which leaps over the numbers, and
each hit is checked in Python. Where that byte turns out to be common (a scene of many small
text nodes), the search hands over to the regular expression. Statements of a node are split
at their `;` the same way, skipping strings by their quotes, so a node's vertex data is never
tokenized just to find where its statements end.
"""

from __future__ import annotations

import bisect
import codecs
import functools
import re
from collections.abc import Callable, Iterator
from typing import AnyStr

_CODESETS = {"65001": "utf-8", "utf8": "utf-8", "utf-8": "utf-8"}
# Codecs in which the bytes of `"` and `\` never occur inside a multi-byte character, so the
# file can be scanned as latin-1 and only the strings we keep decoded properly.
_ASCII_SAFE = {"utf-8", "cp1252", "latin-1", "iso8859-1", "ascii", "cp949", "euc_kr", "cp1251"}
_HEADER_CODESET = re.compile(r"^//Codeset:\s*(\S+)", re.MULTILINE)
# A hit of the searched byte costs about as much as a regular expression walking this many
# bytes; once hits are denser than that, the regular expression is the faster search.
_BYTES_PER_HIT = 512
_HITS_BEFORE_CHECK = 4096
# Searched a chunk at a time, so that each search after the first reads the processor's cache.
_CHUNK = 256 * 1024


class Decoder:
    """Turns strings scanned as latin-1 back into the file's own encoding."""

    def __init__(self, codec: str, recode: bool) -> None:
        self.codec = codec
        self.recode = recode
        self.failed = False

    def __call__(self, text: str) -> str:
        if not self.recode or text.isascii():
            return text
        raw = text.encode("latin-1")
        try:
            return raw.decode(self.codec)
        except UnicodeDecodeError:
            self.failed = True
            return raw.decode(self.codec, errors="replace")


class Positions:
    """Sorted positions in the file, asked "is there one in [start, end)?"."""

    def __init__(self, positions: list[int]) -> None:
        self.positions = positions

    def any_in(self, start: int, end: int) -> bool:
        index = bisect.bisect_left(self.positions, start)
        return index < len(self.positions) and self.positions[index] < end

    def between(self, start: int, end: int) -> list[int]:
        """The positions in [start, end)."""
        positions = self.positions
        return positions[bisect.bisect_left(positions, start) : bisect.bisect_left(positions, end)]

    def last_before(self, end: int) -> int:
        """The last position before `end` (-1: none)."""
        index = bisect.bisect_left(self.positions, end)
        return self.positions[index - 1] if index else -1


class MaSource:
    """The file's content: scanned as bytes where the codec allows (no 200 MB decode), and
    decoded only in the regions the reader tokenizes."""

    def __init__(self, data: bytes, codec: str) -> None:
        self.data = data if codec in _ASCII_SAFE else None
        self.text = "" if self.data is not None else data.decode(codec, errors="replace")
        self.size = len(self.data) if self.data is not None else len(self.text)

    def region(self, start: int, end: int) -> str:
        if self.data is not None:
            return self.data[start:end].decode("latin-1")
        return self.text[start:end]

    def find_all(self, needles: tuple[str, ...], key: str) -> list[int]:
        """Where any of `needles` starts, in order; each holds the character `key`, which
        numbers never contain, at the same place."""
        return self.find_each([(needles, key)])[0]

    def find_each(self, searches: list[tuple[tuple[str, ...], str]]) -> list[list[int]]:
        """`find_all` of several searches in one pass over the file: each chunk of it is
        searched for every key while it is in the processor's cache."""
        if self.data is not None:
            return _find_each(self.data, [_search(n, k, _latin1) for n, k in searches])
        return _find_each(self.text, [_search(n, k, str) for n, k in searches])

    def statement_spans(
        self, start: int, end: int, until: int
    ) -> tuple[list[tuple[int, int]], int] | None:
        """The statements of [start, end) as (start, end) spans, each ending after its `;`, up
        to the one holding position `until`; and where the next statement begins. Strings are
        skipped by their quotes, so a `;` in one is not an end.

        None when the split is not certain (a `/` outside strings may start a comment, or a
        string never ends): the caller tokenizes the block instead."""
        if self.data is not None:
            return _statement_spans(self.data, start, end, until, _BYTE_MARKS, _SHORT_BYTES)
        return _statement_spans(self.text, start, end, until, _TEXT_MARKS, _SHORT_TEXT)

    def strings_end(self, start: int, end: int) -> bool:
        """Whether every string in [start, end) ends, and no `/` (a comment?) is outside them."""
        if self.data is not None:
            return _strings_end(self.data, start, end, _BYTE_MARKS)
        return _strings_end(self.text, start, end, _TEXT_MARKS)

    def first_statement_end(self, start: int, end: int) -> int:
        """Where the first statement of [start, end) ends (after its `;`), or `end`."""
        split = self.statement_spans(start, end, until=start)
        return split[0][0][1] if split is not None and split[0] else end

    def holds_dot_after_first_string(self, start: int, end: int) -> bool:
        """Whether [start, end) has a `.` outside its first string: a setAttr whose only dots
        are in its attribute name holds no file name."""
        if self.data is not None:
            return _dot_after_first_string(self.data, start, end, _BYTE_MARKS)
        return _dot_after_first_string(self.text, start, end, _TEXT_MARKS)

    def holds(self, text: str, start: int, end: int) -> bool:
        """Whether `text` occurs in [start, end)."""
        if self.data is not None:
            return self.data.find(text.encode("latin-1"), start, end) != -1
        return self.text.find(text, start, end) != -1

    def starts_with(self, word: str, start: int, end: int) -> bool:
        """Whether the first word in [start, end), after any white space, starts with `word`."""
        if self.data is not None:
            return _word_bytes(word).match(self.data, start, end) is not None
        return _word_text(word).match(self.text, start, end) is not None

    def matches(self, pattern: str, start: int = 0) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(position, groups) of each match; the groups are latin-1 or decoded text."""
        if self.data is not None:
            for match in re.compile(pattern.encode("latin-1")).finditer(self.data, start):
                groups = tuple(g.decode("latin-1") for g in match.groups())
                yield match.start(), groups
        else:
            for text_match in re.compile(pattern).finditer(self.text, start):
                yield text_match.start(), text_match.groups()


@functools.cache
def _word_bytes(word: str) -> re.Pattern[bytes]:
    return re.compile(rb"[ \t\r\n\f\v]*" + re.escape(word.encode("latin-1")))


@functools.cache
def _word_text(word: str) -> re.Pattern[str]:
    return re.compile(r"[ \t\r\n\f\v]*" + re.escape(word))


def _latin1(text: str) -> bytes:
    return text.encode("latin-1")


def _search(
    needles: tuple[str, ...], key: str, encode: Callable[[str], AnyStr]
) -> tuple[tuple[AnyStr, ...], AnyStr, int, re.Pattern[AnyStr]]:
    fallback = encode("|".join(re.escape(n) for n in needles))
    return tuple(map(encode, needles)), encode(key), needles[0].index(key), re.compile(fallback)


def _find_each(
    data: AnyStr, searches: list[tuple[tuple[AnyStr, ...], AnyStr, int, re.Pattern[AnyStr]]]
) -> list[list[int]]:
    find, startswith, size = data.find, data.startswith, len(data)
    found: list[list[int]] = [[] for _ in searches]
    misses = [0] * len(searches)
    done = [False] * len(searches)
    for low in range(0, size, _CHUNK):
        high = min(size, low + _CHUNK)
        for index, (needles, key, offset, fallback) in enumerate(searches):
            if done[index]:
                continue
            hit = find(key, low, high)
            while hit != -1:
                at = hit - offset
                if at >= 0 and startswith(needles, at):
                    found[index].append(at)
                else:
                    misses[index] += 1
                    if misses[index] > _HITS_BEFORE_CHECK and misses[index] * _BYTES_PER_HIT > hit:
                        found[index].extend(m.start() for m in fallback.finditer(data, at + 1))
                        done[index] = True
                        break
                hit = find(key, hit + 1, high)
    return found


# The characters the quick statement split looks for: quote, `;`, `/`, backslash, `.`.
_BYTE_MARKS = (b'"', b";", b"/", b"\\", b".")
_TEXT_MARKS = ('"', ";", "/", "\\", ".")
# One short statement: text without quotes, `;` or `/`, strings between, up to its `;`.
_SHORT = r'[^";/]*(?:"[^"\\]*(?:\\.[^"\\]*)*"[^";/]*)*;'
_SHORT_BYTES = re.compile(_SHORT.encode(), re.DOTALL)
_SHORT_TEXT = re.compile(_SHORT, re.DOTALL)
_SHORT_LENGTH = 4096


def _statement_spans(
    data: AnyStr,
    start: int,
    end: int,
    until: int,
    marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr],
    short: re.Pattern[AnyStr],
) -> tuple[list[tuple[int, int]], int] | None:
    spans: list[tuple[int, int]] = []
    begin = start
    match = short.match
    while begin <= until:  # the short statements before a mesh's data, one match each
        found = match(data, begin, min(end, begin + _SHORT_LENGTH))
        if found is None:  # a long statement, a `/`, a string that never ends: walk it
            walked = _walk_statements(data, begin, end, until, marks)
            if walked is None:
                return None
            spans += walked[0]
            return spans, walked[1]
        spans.append((begin, found.end()))
        begin = found.end()
    return spans, begin


def _walk_statements(
    data: AnyStr,
    start: int,
    end: int,
    until: int,
    marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr],
) -> tuple[list[tuple[int, int]], int] | None:
    """`_statement_spans` by `find`ing quotes and `;` (memchr), for statements of any length."""
    quote_mark, semicolon, slash = marks[0], marks[1], marks[2]
    find = data.find
    spans: list[tuple[int, int]] = []
    begin = pos = start
    semi = find(semicolon, pos, end)
    quote = find(quote_mark, pos, end)
    while begin <= until:
        if semi == -1:  # the last statement has no end: the caller looks at it as the rest
            return spans, begin
        if quote != -1 and quote < semi:
            if find(slash, pos, quote) != -1:
                return None  # a comment may hide this quote
            close = _closing_quote(data, quote, end, marks)
            if close == -1:
                return None  # a string that never ends
            pos = close + 1
            quote = find(quote_mark, pos, end)
            if semi < pos:
                semi = find(semicolon, pos, end)
            continue
        if find(slash, pos, semi) != -1:
            return None  # a comment may hide this `;`
        spans.append((begin, semi + 1))
        begin = pos = semi + 1
        semi = find(semicolon, pos, end)
    return spans, begin


def _strings_end(
    data: AnyStr, start: int, end: int, marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr]
) -> bool:
    find, quote_mark, slash = data.find, marks[0], marks[2]
    pos = start
    while (quote := find(quote_mark, pos, end)) != -1:
        if find(slash, pos, quote) != -1:
            return False
        pos = _closing_quote(data, quote, end, marks) + 1
        if pos == 0:
            return False
    return find(slash, pos, end) == -1


def _dot_after_first_string(
    data: AnyStr, start: int, end: int, marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr]
) -> bool:
    find, dot = data.find, marks[4]
    first = find(marks[0], start, end)
    if first == -1:
        return find(dot, start, end) != -1
    close = _closing_quote(data, first, end, marks)
    return find(dot, start, first) != -1 or close == -1 or find(dot, close + 1, end) != -1


def _closing_quote(
    data: AnyStr, opening: int, end: int, marks: tuple[AnyStr, AnyStr, AnyStr, AnyStr, AnyStr]
) -> int:
    """Where the string opened at `opening` ends (-1: never); a quote after an odd run of
    backslashes is escaped."""
    quote, backslash = marks[0], marks[3]
    close = data.find(quote, opening + 1, end)
    while close != -1 and data[close - 1 : close] == backslash:  # count the run
        run = 1
        while data[close - 1 - run : close - run] == backslash:
            run += 1
        if run % 2 == 0:
            break
        close = data.find(quote, close + 1, end)
    return close


def detect_codeset(data: bytes) -> tuple[str | None, str]:
    match = _HEADER_CODESET.search(data[:4096].decode("latin-1"))
    if match is None:
        return None, "utf-8"
    codeset = match.group(1)
    name = _CODESETS.get(codeset.lower(), f"cp{codeset}" if codeset.isdigit() else codeset)
    try:
        return codeset, codecs.lookup(name).name
    except LookupError:
        return codeset, "utf-8"
