"""`FolderIndex`: every folder that resolution searches, walked once.

Resolving thousands of references by asking the file system for each would walk the same trees
thousands of times. The index walks each root once with `os.scandir` and answers "which files
in this folder fit this name" (each folder's names sorted once, a pattern looked up by its
literal start), "which files below this folder fit any of these patterns" (one pass over the
files for all of them), "where are files of this name" and "which files fit this token pattern"
from dictionaries and a sorted name list. Folders outside the roots (a path as written, the
scene folder) are listed once on first use and kept.
"""

# String paths, not pathlib: the walk and lookups handle tens of thousands of names.
# ruff: noqa: PTH100, PTH112, PTH119

from __future__ import annotations

import bisect
import itertools
import logging
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from azure_batch_maya.assets.tokens import NamePattern, skeleton_of

log = logging.getLogger(__name__)
_EMPTY: list[str] = []
# A pattern as `find_patterns` matches it: prefix, its length, suffix, its length, the shape's
# `fullmatch`, how many frame tokens, and the lists its hits and their frame numbers go to.
_Candidate = tuple[
    str,
    int,
    str,
    int,
    Callable[[str, int, int], "re.Match[str] | None"],
    int,
    list[int],
    list[int],
    int,
]
# The commonest cores, matched without the regular expression (see `_match_files`).
_REGEX, _UDIM_CORE, _FRAME_CORE = 0, 1, 2
_PLAIN_CORES = {"[0-9]{4}": _UDIM_CORE, "(-?[0-9]+)": _FRAME_CORE}


class PatternHits(NamedTuple):
    """Where each of many patterns fits below a folder (`FolderIndex.find_patterns`).

    Positions, not paths: a large resolve matches tens of thousands of files, and a tuple made
    for each is time the walk itself does not spend.
    """

    names: list[str]  # every file below the folder...
    folders: list[str]  # ...and the folder of each, folder by folder
    files: dict[str, list[int]]  # per pattern (by its name): positions in `names`, in order
    frames: dict[str, list[int]]  # per pattern: the frame numbers of those files


class FolderIndex:
    """File names by folder, by lower-case name and (lazily) by skeleton, for a set of roots."""

    def __init__(self, roots: Iterable[str]) -> None:
        self._by_dir: dict[str, list[str]] = {}
        self._by_name: dict[str, list[tuple[str, str]]] | None = None
        self._by_skeleton: dict[str, list[tuple[str, str]]] | None = None
        self._sorted: list[tuple[str, str, str]] | None = None  # (lower name, folder, name)
        self._last_prefix: tuple[str, list[tuple[str, str]]] = ("", [])
        self._nonempty: dict[str, bool] = {}
        self._sorted_in: dict[str, tuple[list[str], frozenset[str]]] = {}
        self._folder_names: dict[str, frozenset[str]] = {}
        self._flat: dict[str, tuple[list[str], list[str]]] = {}
        walked: list[str] = []
        for root in sorted({_norm(r) for r in roots}, key=len):
            if any(_is_under(root, w) for w in walked) or not os.path.isdir(root):
                continue
            walked.append(root)
            self._walk(root)
        self.roots: tuple[str, ...] = tuple(walked)
        self._walked = len(self._by_dir)
        log.debug("indexed %d folders under %s", self._walked, self.roots)

    def _walk(self, root: str) -> None:
        stack = [root]
        by_dir = self._by_dir
        while stack:
            folder = stack.pop()
            names: list[str] = []
            try:
                with os.scandir(folder) as it:
                    for entry in it:
                        try:
                            if entry.is_dir(follow_symlinks=False):
                                stack.append(entry.path)
                                continue
                        except OSError:
                            continue
                        names.append(entry.name)
            except OSError as exc:
                log.debug("cannot list %s: %s", folder, exc)
                continue
            by_dir[folder] = names

    def has_files_below(self, root: str) -> bool:
        """Whether any indexed file lies below `root`; lets a rule skip an empty folder."""
        known = self._nonempty.get(root)
        if known is None:
            inside = root + os.sep
            known = any(
                names and (d == root or d.startswith(inside)) for d, names in self._by_dir.items()
            )
            self._nonempty[root] = known
        return known

    def covers(self, folder: str) -> bool:
        return any(_is_under(folder, r) for r in self.roots)

    def walked_names(self, folder: str) -> list[str]:
        """`names_in` for a folder known to lie under a walked root: a dictionary lookup."""
        return self._by_dir.get(folder, _EMPTY)

    def names_in(self, folder: str) -> list[str]:
        """The files directly in `folder`, an absolute normalised path (empty when missing)."""
        names = self._by_dir.get(folder)
        if names is None:
            names = [] if self.covers(folder) else _list_files(folder)
            self._by_dir[folder] = names
        return names

    def lookup(
        self,
        folder: str,
        name: str,
        pattern: NamePattern | None,
        frames: frozenset[int] | None,
        *,
        walked: bool = False,
    ) -> list[str]:
        """The files directly in `folder` that `name` (or its `pattern`) stands for, sorted.

        With `walked`, `folder` is known to lie under a walked root (a dictionary lookup only).
        Each folder's names are sorted once, so a pattern is matched against the names that
        start with its prefix, not the whole folder, however many references ask.
        """
        listing = self._sorted_in.get(folder)
        if listing is None:
            names = self.walked_names(folder) if walked else self.names_in(folder)
            listing = self._sorted_in[folder] = (sorted(names), frozenset(names))
        ordered, present = listing
        if not ordered:
            return _EMPTY
        if pattern is None:
            return [name] if name in present else _EMPTY
        prefix = pattern.prefix
        if not prefix:
            return [n for n in ordered if pattern.match(n, frames)]
        out: list[str] = []
        i = bisect.bisect_left(ordered, prefix)
        while i < len(ordered) and ordered[i].startswith(prefix):
            if pattern.match(ordered[i], frames):
                out.append(ordered[i])
            i += 1
        return out

    def folder_names_below(self, root: str) -> frozenset[str]:
        """The names of the walked folders below `root`: a folder of another name is not there."""
        known = self._folder_names.get(root)
        if known is None:
            inside = root + os.sep
            known = frozenset(
                os.path.basename(d)
                for d in itertools.islice(self._by_dir, self._walked)
                if d.startswith(inside)
            )
            self._folder_names[root] = known
        return known

    def find_name(self, name: str, under: str) -> list[tuple[str, str]]:
        """(folder, actual name) of files named `name` in any case or Unicode form below `under`."""
        inside = under + os.sep
        return [
            (d, n)
            for d, n in self._names().get(_fold(name), ())
            if d == under or d.startswith(inside)
        ]

    def find_folder(self, name: str, under: str) -> list[str]:
        """Walked folders named `name` (any case) below `under`; for the rare folder reference."""
        inside = under + os.sep
        lower = name.lower()
        return [
            d
            for d in itertools.islice(self._by_dir, self._walked)
            if d.startswith(inside) and os.path.basename(d).lower() == lower
        ]

    def find_pattern(
        self, pattern: NamePattern, under: str, frames: frozenset[int] | None = None
    ) -> list[tuple[str, str]]:
        """(folder, name) of files below `under` that fit `pattern` and, if given, `frames`."""
        pool: Iterable[tuple[str, str]]
        if pattern.prefix:
            pool = self._with_prefix(pattern.prefix.lower())
        elif pattern.skeleton is not None:
            pool = self._skeletons().get(pattern.skeleton, ())
        else:
            pool = ((d, n) for d, names in self._by_dir.items() for n in names)
        inside = under + os.sep
        return [
            (d, n)
            for d, n in pool
            if (d == under or d.startswith(inside)) and pattern.match(n, frames)
        ]

    def find_patterns(
        self, patterns: Iterable[NamePattern], under: str, frames: frozenset[int] | None
    ) -> PatternHits:
        """`find_pattern` for many patterns in one pass over the files below `under`.

        Each file is looked up by its lower-case start in a table of the patterns' prefixes (or
        by its skeleton) instead of each pattern scanning the names, so the cost follows the
        files below `under`, not files times patterns.
        """
        by_length: dict[int, dict[str, list[_Candidate]]] = {}
        by_skeleton: dict[str, list[_Candidate]] = {}
        anywhere: list[_Candidate] = []
        names, folders = self._files_below(under)
        found = PatternHits(names, folders, {}, {})
        for pattern in patterns:
            if pattern.written in found.files:
                continue
            shape = pattern.shape
            entry = (
                pattern.prefix,
                len(pattern.prefix),
                shape.suffix,
                len(shape.suffix),
                shape.core.fullmatch,
                shape.frame_count,
                found.files.setdefault(pattern.written, []),
                found.frames.setdefault(pattern.written, []),
                _PLAIN_CORES.get(shape.core.pattern, _REGEX),
            )
            if pattern.prefix:
                key = pattern.prefix.lower()
                by_length.setdefault(len(key), {}).setdefault(key, []).append(entry)
            elif pattern.skeleton is not None:
                by_skeleton.setdefault(pattern.skeleton, []).append(entry)
            else:
                anywhere.append(entry)
        everything = range(len(names))
        if by_length:
            lower = list(map(str.lower, names))
            for length, table in by_length.items():
                candidates = list(map(table.get, map(operator.itemgetter(slice(length)), lower)))
                _match_files(itertools.compress(everything, candidates), candidates, names, frames)
        if by_skeleton:
            candidates = list(map(by_skeleton.get, map(skeleton_of, names)))
            _match_files(itertools.compress(everything, candidates), candidates, names, frames)
        if anywhere:
            _match_files(everything, [anywhere] * len(names), names, frames)
        return found

    def _files_below(self, under: str) -> tuple[list[str], list[str]]:
        """The walked files below `under` as two lists: names, and the folder of each.

        Flat lists let `find_patterns` look every name up with `map` (the loop in C).
        """
        known = self._flat.get(under)
        if known is None:
            inside = under + os.sep
            names: list[str] = []
            folders: list[str] = []
            for d, listed in itertools.islice(self._by_dir.items(), self._walked):
                if listed and (d == under or d.startswith(inside)):
                    names += listed
                    folders += itertools.repeat(d, len(listed))
            known = self._flat[under] = (names, folders)
        return known

    def _entries(self) -> Iterator[tuple[str, str]]:
        """Every indexed file as (folder, name); the walked roots only."""
        for d, names in itertools.islice(self._by_dir.items(), self._walked):
            for n in names:
                yield d, n

    def _names(self) -> dict[str, list[tuple[str, str]]]:
        if self._by_name is None:
            table: dict[str, list[tuple[str, str]]] = {}
            for d, n in self._entries():
                table.setdefault(_fold(n), []).append((d, n))
            self._by_name = table
        return self._by_name

    def _with_prefix(self, prefix: str) -> list[tuple[str, str]]:
        """Files whose lower-case name starts with `prefix`: a bisect over the sorted names."""
        if self._last_prefix[0] == prefix:  # the next rule asks again for the same reference
            return self._last_prefix[1]
        if self._sorted is None:
            self._sorted = sorted((n.lower(), d, n) for d, n in self._entries())
        names = self._sorted
        i = bisect.bisect_left(names, (prefix,))
        out: list[tuple[str, str]] = []
        while i < len(names) and names[i][0].startswith(prefix):
            out.append((names[i][1], names[i][2]))
            i += 1
        self._last_prefix = (prefix, out)
        return out

    def _skeletons(self) -> dict[str, list[tuple[str, str]]]:
        if self._by_skeleton is None:
            table: dict[str, list[tuple[str, str]]] = {}
            for d, n in self._entries():
                table.setdefault(skeleton_of(n), []).append((d, n))
            self._by_skeleton = table
        return self._by_skeleton


def _match_files(
    found: Iterable[int],
    candidates: Sequence[list[_Candidate] | None],
    names: list[str],
    frames: frozenset[int] | None,
) -> None:
    """Add each file `found` to the hits of the candidate patterns it fits.

    `NamePattern.match`, inlined: this runs once per file and candidate, the innermost loop of
    resolution.
    """
    for i in found:
        name = names[i]
        for prefix, start, suffix, suffix_length, fullmatch, count, hits, numbers, plain in (
            candidates[i] or ()
        ):
            end = len(name) - suffix_length
            if end < start or not name.startswith(prefix) or not name.endswith(suffix):
                continue
            if plain:  # `[0-9]{4}` or `(-?[0-9]+)`: ASCII digits, told by `str` methods
                core = name[start:end]
                digits = core[1:] if plain == _FRAME_CORE and core[:1] == "-" else core
                if not (digits.isdigit() and digits.isascii()):
                    continue
                if plain == _UDIM_CORE:
                    if len(core) == 4:
                        hits.append(i)
                    continue
                number = int(core)
                if frames is None or number in frames:
                    hits.append(i)
                    numbers.append(number)
                continue
            m = fullmatch(name, start, end)
            if m is None:
                continue
            if count == 1:
                number = int(m[1])
                if frames is None or number in frames:
                    hits.append(i)
                    numbers.append(number)
            elif count == 0:
                hits.append(i)
            else:
                several = tuple(map(int, m.groups()))
                if frames is None or frames.issuperset(several):
                    hits.append(i)
                    numbers += several


def _fold(name: str) -> str:
    """The key names are compared by: lower case, composed Unicode (macOS writes decomposed)."""
    return unicodedata.normalize("NFC", name).lower()


def _list_files(folder: str) -> list[str]:
    try:
        with os.scandir(folder) as it:
            return [e.name for e in it if not _is_dir(e)]
    except OSError:
        return []


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _is_under(path: str, root: str) -> bool:
    if path == root:
        return True
    prefix = root if root.endswith(os.sep) else root + os.sep
    return path.startswith(prefix)
