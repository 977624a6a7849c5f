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
# Each finds the last of its (never overlapping) matches: the greedy `.*` backtracks from the
# end, so the first start that fits is the last match, found without a scan of every match.
_UDIM_NUMBER = re.compile(r"(?s:.*)((?<!\d)1\d{3}(?!\d))")
_UV_NUMBERS = re.compile(r"(?s:.*)(u\d+_v\d+)")
_LAST_NUMBER = re.compile(r"(?s:.*)((?<!\d)\d+(?=\D*$))")

# uvTilingMode on a file node: 1 ZBrush (0-based u/v), 2 Mudbox (1-based u/v), 3 Mari (UDIM).
_UV_ZBRUSH, _UV_MUDBOX, _UV_UDIM = 1, 2, 3


_LIT, _NUM, _FRAME = 0, 1, 2
_DIGIT_CHARS = frozenset("0123456789")
Segment = tuple[int, str, int]  # (kind, literal text, exact digit count or 0 for any)


@dataclass(frozen=True)
class _Shape:
    """What follows a pattern's literal prefix (`<UDIM>.tif`, `<f>.exr`): many names share one.

    `core` is the regular expression for the text from the first token to the last, compiled
    once per shape; `suffix` is the literal text after the last token.
    """

    core: re.Pattern[str]
    suffix: str
    frame_count: int
    skeleton: str | None  # the lookup key when the shape is the whole name (see `skeleton_of`)


@dataclass(frozen=True)
class NamePattern:
    """A file name with tokens, ready to match names on disk.

    A name is its literal prefix and a shared `_Shape`: a scene can hold thousands of distinct
    patterns (`asset0001_color.<UDIM>.tif`, …) but few shapes, so a regular expression is
    compiled per shape and matched from the end of the prefix.
    """

    written: str
    prefix: str  # the literal text before the first token, for a sorted-name lookup
    shape: _Shape

    @property
    def frame_count(self) -> int:
        """How many frame tokens; their numbers are checked against the frames rendered."""
        return self.shape.frame_count

    @property
    def has_frames(self) -> bool:
        return self.shape.frame_count > 0

    @property
    def skeleton(self) -> str | None:
        """Set when the name starts with a token (no prefix to look up by)."""
        return None if self.prefix else self.shape.skeleton

    def frames_of(self, name: str) -> tuple[int, ...] | None:
        """The frame numbers in `name` when it fits the pattern (empty without frame tokens)."""
        shape = self.shape
        start, end = len(self.prefix), len(name) - len(shape.suffix)
        if end < start or not name.startswith(self.prefix) or not name.endswith(shape.suffix):
            return None
        m = shape.core.fullmatch(name, start, end)
        if m is None:
            return None
        return tuple(map(int, m.groups())) if shape.frame_count else ()

    def match(self, name: str, frames: frozenset[int] | None) -> bool:
        """Does `name` belong to the set, and, for frame tokens, to one of `frames`?"""
        found = self.frames_of(name)
        if found is None:
            return False
        return frames is None or all(f in frames for f in found)


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
        name = _replace_last(name, _UDIM_NUMBER, "<UDIM>")
    elif uv_tiling in (_UV_ZBRUSH, _UV_MUDBOX) and not _has_tag(name, _NUMBER_TAGS | {"uvtile"}):
        name = _replace_last(name, _UV_NUMBERS, "u<U>_v<V>")
    if frame_sequence and not _has_frame_token(name):
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem, ext = name, ""
        new_stem = _replace_last(stem, _LAST_NUMBER, "<f>")
        name = new_stem + (dot + ext if dot else "")
    return name


@functools.lru_cache(maxsize=4096)
def compile_name(name: str) -> NamePattern | None:
    """The pattern for a name with tokens, or None for a plain file name."""
    first = _TOKEN.search(name)
    if first is None:
        return None
    start = first.start()
    # One per distinct reference: filling `__dict__` at once is quicker than the frozen
    # dataclass's field-by-field `__init__`, and builds the same value.
    pattern = _new_pattern(NamePattern)
    pattern.__dict__.update(written=name, prefix=name[:start], shape=_shape(name[start:]))
    return pattern


_new_pattern = object.__new__


@functools.lru_cache(maxsize=1024)
def _shape(rest: str) -> _Shape:
    """The shape of the text from a name's first token on (see `NamePattern`)."""
    tokens = list(_TOKEN.finditer(rest))
    segments: list[Segment] = []
    frames = 0
    wildcard = False
    pos = 0
    for m in tokens:
        if m.start() > pos:
            segments.append((_LIT, rest[pos : m.start()], 0))
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
    core_end = tokens[-1].end()
    if pos < len(rest):
        segments.append((_LIT, rest[pos:], 0))
    key = None if wildcard else _skeleton(segments)
    # Digit runs that can be matched left to right are ASCII digits; a pattern that needs
    # backtracking keeps the general `\d` (what each kind of pattern has always matched).
    digits = r"\d" if wildcard or _needs_backtracking(segments) else "[0-9]"
    core = _compiled(_regex_text(rest[:core_end], digits))
    return _Shape(core, rest[core_end:], frames, key)


@functools.lru_cache(maxsize=1024)
def _compiled(text: str) -> re.Pattern[str]:
    """Shapes that differ only in their literal end (`<UDIM>_a.tif`, `<UDIM>_b.tif`) share one."""
    return re.compile(text)


def _skeleton(segments: list[Segment]) -> str:
    """The lookup key of a pattern that starts with a token (see `skeleton_of`)."""
    text = "".join(_DIGITS.sub("#", t.lower()) if k == _LIT else "#" for k, t, _w in segments)
    return re.sub("#+", "#", text)


def _regex_text(name: str, digits: str) -> str:
    """The pattern as a regular expression; frame tokens are its only groups."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(name):
        out.append(re.escape(name[pos : m.start()]))
        pos = m.end()
        tag = (m.group(1) or "").lower()
        if m.group(1) is None or _FRAME_TAG.match(tag):
            out.append(f"(-?{digits}+)")
        elif tag in _UDIM_TAGS:
            out.append(digits + "{4}")
        elif tag in _NUMBER_TAGS:
            out.append(digits + "+")
        elif tag in ("uvtile", "tile"):
            out.append(("_u" if tag == "tile" else "u") + f"{digits}+_v{digits}+")
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
    if "<" not in name:
        return False
    return any(m.group(1) and m.group(1).lower() in tags for m in _TOKEN.finditer(name))


def _has_frame_token(name: str) -> bool:
    if "<" not in name and "#" not in name and "%" not in name:
        return False
    for m in _TOKEN.finditer(name):
        tag = m.group(1)
        if tag is None or _FRAME_TAG.match(tag):
            return True
    return False


def _replace_last(text: str, pattern: re.Pattern[str], token: str) -> str:
    """`pattern`'s group 1 (its last match, see `_UDIM_NUMBER`) replaced by `token`."""
    last = pattern.match(text)
    if last is None:
        return text
    return text[: last.start(1)] + token + text[last.end(1) :]
