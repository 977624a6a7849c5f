"""Tokens in file names: UDIM and UV tiles, frame numbers, environment variables, Arnold tags.

A file name with tokens stands for many files on disk. `compile_name` turns one into a
`NamePattern`: a regular expression over file names whose frame groups are checked against the
frames being rendered, plus a "skeleton" (digit runs folded to `#`) so the folder index can find
candidate files by dictionary lookup instead of testing every name on disk.

Tokens understood (case-insensitive tags): `<UDIM>`, `<UVTILE>`, `u<U>_v<V>`, `<u>`/`<v>`,
`<utile>`/`<vtile>`, `<tile>` (`_u1_v1`), frame tokens `<f>`, `<fN>`, `<frame>`, `#`/`####`,
`%04d`/`%d`; any other tag such as `<attr:name>`, `<shapeName>`, `<shapePath>` matches any text.
`$VAR`, `${VAR}` and `%VAR%` are expanded from the environment given, before all this.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass

_ENV = re.compile(r"\$\{(\w+)\}|\$(\w+)|%([A-Za-z_]\w*)%")
_TOKEN = re.compile(r"<([^<>/]+)>|(#+)|%(0?\d*)d")
_DIGITS = re.compile(r"\d+")
_UDIM_TAGS = {"udim"}
_NUMBER_TAGS = {"u", "v", "utile", "vtile"}
_FRAME_TAG = re.compile(r"^(?:f\d*|frame)$", re.IGNORECASE)

# uvTilingMode on a file node: 1 ZBrush (0-based u/v), 2 Mudbox (1-based u/v), 3 Mari (UDIM).
_UV_ZBRUSH, _UV_MUDBOX, _UV_UDIM = 1, 2, 3


_LIT, _NUM, _FRAME = 0, 1, 2
_DIGIT_CHARS = frozenset("0123456789")
Segment = tuple[int, str, int]  # (kind, literal text, exact digit count or 0 for any)


@dataclass(frozen=True)
class NamePattern:
    """A file name with tokens, ready to match names on disk.

    Matching walks `segments` (literals and digit runs) without regular expressions: a scene
    can hold thousands of distinct patterns, and compiling a regex for each costs more than
    all the matching. Only patterns that need backtracking (a token matching any text, or
    digits followed by digits) use `regex`.
    """

    written: str
    regex_text: str
    segments: tuple[Segment, ...] | None  # None: match with the regular expression
    frame_count: int  # how many frame tokens; their numbers are checked against frames
    skeleton: str | None  # set when the name starts with a token (no prefix to look up by)
    prefix: str = ""  # the literal text before the first token, for a sorted-name lookup

    @property
    def has_frames(self) -> bool:
        return self.frame_count > 0

    def frames_of(self, name: str) -> tuple[int, ...] | None:
        """The frame numbers in `name` when it fits the pattern (empty without frame tokens)."""
        if self.segments is None:
            m = _regex(self.regex_text).fullmatch(name)
            return None if m is None else tuple(int(g) for g in m.groups())
        pos, end, frames = 0, len(name), []
        for kind, text, width in self.segments:
            if kind == _LIT:
                if not name.startswith(text, pos):
                    return None
                pos += len(text)
                continue
            start = pos
            if kind == _FRAME and pos < end and name[pos] == "-":
                pos += 1
            digits = pos
            while pos < end and name[pos] in _DIGIT_CHARS:
                pos += 1
            count = pos - digits
            if count == 0 or (width and count < width):
                return None
            if width:
                pos = digits + width
            if kind == _FRAME:
                frames.append(int(name[start:pos]))
        return tuple(frames) if pos == end else None

    def match(self, name: str, frames: frozenset[int] | None) -> bool:
        """Does `name` belong to the set, and, for frame tokens, to one of `frames`?"""
        found = self.frames_of(name)
        if found is None:
            return False
        return frames is None or all(f in frames for f in found)


@functools.lru_cache(maxsize=256)
def _regex(text: str) -> re.Pattern[str]:
    return re.compile(text)


def expand_env(text: str, env: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Expand `$VAR`, `${VAR}`, `%VAR%`; returns the text and the names that were not set."""
    if "$" not in text and "%" not in text:
        return text, ()
    unset: list[str] = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        if name in env:
            return env[name]
        unset.append(name)
        return m.group(0)

    return _ENV.sub(sub, text), tuple(dict.fromkeys(unset))


def has_tokens(name: str) -> bool:
    return _TOKEN.search(name) is not None


def implicit_tokens(name: str, *, frame_sequence: bool, uv_tiling: int) -> str:
    """Write the node's own hints into the name: `wall.1001.tif` with UDIM mode → `wall.<UDIM>.tif`.

    Maya stores one concrete file (the first tile or frame) and a flag; the set is implied.
    """
    if uv_tiling == _UV_UDIM and not _has_tag(name, _UDIM_TAGS):
        name = _replace_last(name, re.compile(r"(?<!\d)1\d{3}(?!\d)"), "<UDIM>")
    elif uv_tiling in (_UV_ZBRUSH, _UV_MUDBOX) and not _has_tag(name, _NUMBER_TAGS | {"uvtile"}):
        name = _replace_last(name, re.compile(r"u\d+_v\d+"), "u<U>_v<V>")
    if frame_sequence and not _has_frame_token(name):
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        new_stem = _replace_last(stem, re.compile(r"(?<!\d)\d+(?=\D*$)"), "<f>")
        name = new_stem + (dot + ext if dot else "")
    return name


@functools.lru_cache(maxsize=4096)
def compile_name(name: str) -> NamePattern | None:
    """The pattern for a name with tokens, or None for a plain file name."""
    tokens = list(_TOKEN.finditer(name))
    if not tokens:
        return None
    segments: list[Segment] = []
    frames = 0
    wildcard = False
    pos = 0
    for m in tokens:
        if m.start() > pos:
            segments.append((_LIT, name[pos : m.start()], 0))
        pos = m.end()
        tag = m.group(1)
        low = tag.lower() if tag is not None else ""
        if tag is None or _FRAME_TAG.match(low):
            frames += 1
            segments.append((_FRAME, "", 0))
        elif low in _UDIM_TAGS:
            segments.append((_NUM, "", 4))
        elif low in _NUMBER_TAGS:
            segments.append((_NUM, "", 0))
        elif low in ("uvtile", "tile"):
            segments += [
                (_LIT, "_u" if low == "tile" else "u", 0),
                (_NUM, "", 0),
                (_LIT, "_v", 0),
                (_NUM, "", 0),
            ]
        else:
            wildcard = True
    if pos < len(name):
        segments.append((_LIT, name[pos:], 0))
    prefix = name[: tokens[0].start()]
    key = None if wildcard or prefix else _skeleton(segments)
    if wildcard or _needs_backtracking(segments):
        return NamePattern(name, _regex_text(name), None, frames, key, prefix)
    return NamePattern(name, "", tuple(segments), frames, key, prefix)


def _skeleton(segments: list[Segment]) -> str:
    """The lookup key of a pattern that starts with a token (see `skeleton_of`)."""
    text = "".join(_DIGITS.sub("#", t.lower()) if k == _LIT else "#" for k, t, _w in segments)
    return re.sub("#+", "#", text)


def _regex_text(name: str) -> str:
    """The same pattern as a regular expression; frame tokens are its only groups."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(name):
        out.append(re.escape(name[pos : m.start()]))
        pos = m.end()
        tag = (m.group(1) or "").lower()
        if m.group(1) is None or _FRAME_TAG.match(tag):
            out.append(r"(-?\d+)")
        elif tag in _UDIM_TAGS:
            out.append(r"\d{4}")
        elif tag in _NUMBER_TAGS:
            out.append(r"\d+")
        elif tag in ("uvtile", "tile"):
            out.append(("_u" if tag == "tile" else "u") + r"\d+_v\d+")
        else:
            out.append(r".+?")
    out.append(re.escape(name[pos:]))
    return "".join(out)


def _needs_backtracking(segments: list[Segment]) -> bool:
    """A greedy digit run followed by more digits cannot be matched left to right."""
    for (kind, _text, width), (next_kind, next_text, _w) in itertools.pairwise(segments):
        greedy = kind != _LIT and not width
        if greedy and (next_kind != _LIT or next_text[:1] in _DIGIT_CHARS):
            return True
    return False


def skeleton_of(name: str) -> str:
    """A file name's lookup key: lower case, every digit run folded to one `#`."""
    return _DIGITS.sub("#", name.lower())


def _has_tag(name: str, tags: set[str]) -> bool:
    return any(m.group(1) and m.group(1).lower() in tags for m in _TOKEN.finditer(name))


def _has_frame_token(name: str) -> bool:
    for m in _TOKEN.finditer(name):
        tag = m.group(1)
        if tag is None or _FRAME_TAG.match(tag):
            return True
    return False


def _replace_last(text: str, pattern: re.Pattern[str], token: str) -> str:
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    last = matches[-1]
    return text[: last.start()] + token + text[last.end() :]
