"""A Maya ASCII file's bytes, and how its strings are decoded.

Scenes declare their encoding in a `//Codeset:` header line (932, 949, 1252, UTF-8 all occur).
Where the codec allows it, the file is searched as bytes and only the regions the reader
tokenizes are decoded, so a 200 MB scene is never turned into a 200 MB string.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator

_CODESETS = {"65001": "utf-8", "utf8": "utf-8", "utf-8": "utf-8"}
# Codecs in which the bytes of `"` and `\` never occur inside a multi-byte character, so the
# file can be scanned as latin-1 and only the strings we keep decoded properly.
_ASCII_SAFE = {"utf-8", "cp1252", "latin-1", "iso8859-1", "ascii", "cp949", "euc_kr", "cp1251"}
_HEADER_CODESET = re.compile(r"^//Codeset:\s*(\S+)", re.MULTILINE)


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

    def contains(self, needle: str, start: int, end: int) -> bool:
        if self.data is not None:
            return self.data.find(needle.encode("latin-1"), start, end) != -1
        return self.text.find(needle, start, end) != -1

    def positions(self, pattern: str) -> list[int]:
        """Where a regular expression matches, in order (one pass over the whole file)."""
        if self.data is not None:
            return [m.start() for m in re.compile(pattern.encode("latin-1")).finditer(self.data)]
        return [m.start() for m in re.compile(pattern).finditer(self.text)]

    def matches(self, pattern: str, start: int = 0) -> Iterator[tuple[int, tuple[str, ...]]]:
        """(position, groups) of each match; the groups are latin-1 or decoded text."""
        if self.data is not None:
            for match in re.compile(pattern.encode("latin-1")).finditer(self.data, start):
                groups = tuple(g.decode("latin-1") for g in match.groups())
                yield match.start(), groups
        else:
            for text_match in re.compile(pattern).finditer(self.text, start):
                yield text_match.start(), text_match.groups()


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
