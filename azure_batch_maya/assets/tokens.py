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


@dataclass(frozen=True)
class NamePattern:
    """A file name with tokens, ready to match names on disk."""

    written: str
    regex: re.Pattern[str]
    frame_groups: tuple[str, ...]
    skeleton: str | None  # None when a token matches any text: no lookup key exists

    def match(self, name: str, frames: frozenset[int] | None) -> bool:
        """Does `name` belong to the set, and, for frame tokens, to one of `frames`?"""
        m = self.regex.fullmatch(name)
        if m is None:
            return False
        if frames is None or not self.frame_groups:
            return True
        return all(int(m.group(g)) in frames for g in self.frame_groups)


def expand_env(text: str, env: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """Expand `$VAR`, `${VAR}`, `%VAR%`; returns the text and the names that were not set."""
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


def compile_name(name: str) -> NamePattern | None:
    """The pattern for a name with tokens, or None for a plain file name."""
    if not has_tokens(name):
        return None
    regex: list[str] = []
    skeleton: list[str] = []
    frame_groups: list[str] = []
    wildcard = False
    pos = 0
    for m in _TOKEN.finditer(name):
        literal = name[pos : m.start()]
        regex.append(re.escape(literal))
        skeleton.append(_DIGITS.sub("#", literal.lower()))
        pos = m.end()
        tag = m.group(1)
        if tag is None or _FRAME_TAG.match(tag):
            group = f"f{len(frame_groups)}"
            frame_groups.append(group)
            regex.append(rf"(?P<{group}>-?\d+)")
            skeleton.append("#")
        elif tag.lower() in _UDIM_TAGS:
            regex.append(r"\d{4}")
            skeleton.append("#")
        elif tag.lower() in _NUMBER_TAGS:
            regex.append(r"\d+")
            skeleton.append("#")
        elif tag.lower() == "uvtile":
            regex.append(r"u\d+_v\d+")
            skeleton.append("u#_v#")
        elif tag.lower() == "tile":
            regex.append(r"_u\d+_v\d+")
            skeleton.append("_u#_v#")
        else:
            regex.append(r".+?")
            wildcard = True
    literal = name[pos:]
    regex.append(re.escape(literal))
    skeleton.append(_DIGITS.sub("#", literal.lower()))
    key = None if wildcard else re.sub("#+", "#", "".join(skeleton))
    return NamePattern(name, re.compile("".join(regex)), tuple(frame_groups), key)


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
