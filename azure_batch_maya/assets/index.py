"""`FolderIndex`: every folder that resolution searches, walked once.

Resolving thousands of references by asking the file system for each would walk the same trees
thousands of times. The index walks each root once with `os.scandir` and answers "which files
are in this folder", "where are files of this name" and "which files fit this token pattern" from
dictionaries. Folders outside the roots (a path as written, the scene folder) are listed once on
first use and kept.
"""

# String paths, not pathlib: the walk and lookups handle tens of thousands of names.
# ruff: noqa: PTH100, PTH112

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from azure_batch_maya.assets.tokens import NamePattern, skeleton_of

log = logging.getLogger(__name__)


class FolderIndex:
    """File names by folder, by lower-case name and (lazily) by skeleton, for a set of roots."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots: tuple[str, ...] = ()
        self._by_dir: dict[str, list[str]] = {}
        self._by_name: dict[str, list[tuple[str, str]]] = {}
        self._by_skeleton: dict[str, list[tuple[str, str]]] | None = None
        walked: list[str] = []
        for root in sorted({_norm(r) for r in roots}, key=len):
            if any(_is_under(root, w) for w in walked) or not os.path.isdir(root):
                continue
            walked.append(root)
            self._walk(root)
        self.roots = tuple(walked)
        log.debug("indexed %d folders under %s", len(self._by_dir), self.roots)

    def _walk(self, root: str) -> None:
        stack = [root]
        by_dir, by_name = self._by_dir, self._by_name
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
            for name in names:
                by_name.setdefault(name.lower(), []).append((folder, name))

    def covers(self, folder: str) -> bool:
        return any(_is_under(folder, r) for r in self.roots)

    def names_in(self, folder: str) -> list[str]:
        """The files directly in `folder` (empty when it does not exist)."""
        folder = _norm(folder)
        names = self._by_dir.get(folder)
        if names is not None:
            return names
        if self.covers(folder):
            return []
        names = _list_files(folder)
        self._by_dir[folder] = names
        return names

    def find_name(self, name: str, under: str) -> list[tuple[str, str]]:
        """(folder, actual name) of files named `name` in any case below `under`."""
        under = _norm(under)
        return [(d, n) for d, n in self._by_name.get(name.lower(), ()) if _is_under(d, under)]

    def find_pattern(self, pattern: NamePattern, under: str) -> list[tuple[str, str]]:
        """(folder, name) of files below `under` whose names fit `pattern` (frames unchecked)."""
        under = _norm(under)
        if pattern.skeleton is not None:
            pool: Iterable[tuple[str, str]] = self._skeletons().get(pattern.skeleton, ())
        else:
            pool = ((d, n) for d, names in self._by_dir.items() for n in names)
        return [(d, n) for d, n in pool if _is_under(d, under) and pattern.regex.fullmatch(n)]

    def _skeletons(self) -> dict[str, list[tuple[str, str]]]:
        if self._by_skeleton is None:
            table: dict[str, list[tuple[str, str]]] = {}
            for entries in self._by_name.values():
                for d, n in entries:
                    table.setdefault(skeleton_of(n), []).append((d, n))
            self._by_skeleton = table
        return self._by_skeleton


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
