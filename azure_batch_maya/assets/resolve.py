"""Find every file a scene references on this machine, by rules tried in a fixed order.

For each reference the first rule that finds a file wins, and the resolution says which:

1. `as_written`      the path as written; a relative one against the project root.
2. `project_reroot`  the path re-rooted under the project: the longest tail of it that exists
                     below the project root (`C:/Shot 010/cache/a.ass` → `<project>/cache/a.ass`);
                     what a project copied to another disk or OS needs.
3. `scene_folder`    the scene's own folder: a relative path against it, then the file name.
4. `sourceimages`    the project's `sourceimages` folder (its `sourceImages` file rule in
                     `workspace.mel`) and the folders below it.
5. `working_dir`     the working directory.
6. `search_path`     the user's search paths, in the order added, each with its subfolders.

Rules 4 and 6 prefer the candidate whose folders match most of the written path's tail; two
equally good candidates are kept as `alternatives` (a warning), never a silent pick. A path with
tokens (UDIM, frames, …) resolves to the folder holding at least one matching file, and `files`
lists them all; frame tokens count only frames being rendered. `<MAYA_RESOURCES>` paths (the
default OCIO config) resolve by rule `maya_resources`: every node has them with Maya. A folder
reference (a cache folder) resolves like a file and brings the files directly in it; referenced
`.ma` scenes can be read in turn so the files they use follow (`resolve_scene(read_scene=…)`).
"""

# String paths, not pathlib: this runs per reference over indexes of tens of thousands of files.
# ruff: noqa: PTH100, PTH109, PTH118, PTH119, PTH120, PTH206

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from azure_batch_maya.assets.index import FolderIndex
from azure_batch_maya.assets.scenepath import ScenePath, parse_scene_path
from azure_batch_maya.assets.tokens import (
    NamePattern,
    compile_name,
    expand_env,
    implicit_tokens,
)
from azure_batch_maya.assets.workspace import file_rules, rule_folder
from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.model import FileRef, SceneInfo

log = logging.getLogger(__name__)

RULES = (
    "as_written",
    "project_reroot",
    "scene_folder",
    "sourceimages",
    "working_dir",
    "search_path",
)
MAYA_RESOURCES = "maya_resources"
# Attributes naming a folder, not a file: every file directly in it is needed.
FOLDER_ATTRIBUTES = frozenset({("cacheFile", "cp"), ("cacheFile", "cachePath")})
_HINTS_SHOWN = 3


@dataclass(frozen=True)
class SearchContext:
    """Where to look: the places the rules name, and the frames being rendered."""

    scene_dir: str
    project_root: str | None = None
    working_dir: str = "."
    search_paths: tuple[str, ...] = ()
    frames: frozenset[int] | None = None
    env: Mapping[str, str] | None = None
    sourceimages: str | None = None  # default: <project>/sourceimages


@dataclass(frozen=True)
class Resolution:
    """One reference and what became of it: the rule, the local path, the concrete files."""

    ref: FileRef
    rule: str | None
    resolved: str | None  # the local path; for a token path, its folder joined to the pattern
    files: tuple[str, ...] = ()
    alternatives: tuple[str, ...] = ()  # equally good other candidates (a warning)
    missing_frames: tuple[int, ...] = ()  # rendered frames of a sequence with no file
    message: str = ""  # why it was not found, with what would help
    via: tuple[str, ...] = ()  # the reference nodes (outermost first) a nested file came through

    @property
    def found(self) -> bool:
        return self.rule is not None

    @property
    def needs_upload(self) -> bool:
        return self.rule is not None and self.rule != MAYA_RESOURCES

    def to_json(self) -> dict[str, Any]:
        return {"resolved": self.resolved, "rule": self.rule, "files": list(self.files)}


class _Target(NamedTuple):
    """A reference read for lookup (a tuple: one is made per reference)."""

    path: ScenePath
    name: str  # the file name with the node's hints written in
    pattern: NamePattern | None
    unset: tuple[str, ...]  # environment variables it names that are not set


_Pending = tuple[int, FileRef, _Target]  # (position in the batch, reference, target)


def build_index(context: SearchContext) -> FolderIndex:
    """Walk the project and the search paths once; every reference is answered from this."""
    roots = list(context.search_paths)
    if context.project_root:
        roots.append(context.project_root)
    if context.sourceimages:  # a file rule may put it outside the project
        roots.append(context.sourceimages)
    return FolderIndex(roots)


def resolve_scene(
    scene: SceneInfo,
    *,
    search_paths: Sequence[str] = (),
    frames: frozenset[int] | None = None,
    working_dir: str | None = None,
    env: Mapping[str, str] | None = None,
    read_scene: Callable[[str], SceneInfo] | None = None,
) -> tuple[Resolution, ...]:
    """Resolve every reference of `scene`, with the folders walked once.

    The first `len(scene.references)` results match the scene's references in order. With
    `read_scene` (the .ma reader), referenced scenes are read in turn and the files they use
    follow, each with `via` naming the reference it came through; a referenced scene is read
    once however often it is referenced.
    """
    project = os.path.abspath(scene.project_root) if scene.project_root else None
    textures = None
    if project:
        textures = rule_folder(project, file_rules(project), "sourceImages", "sourceimages")
        textures = os.path.normpath(os.path.abspath(textures))
    context = SearchContext(
        scene_dir=os.path.dirname(os.path.abspath(scene.scene)),  # abspath normalises too
        project_root=project,
        sourceimages=textures,
        working_dir=os.path.abspath(working_dir or os.getcwd()),
        search_paths=tuple(os.path.abspath(p) for p in search_paths),
        frames=frames,
        env=dict(os.environ) if env is None else env,
    )
    with _collector_paused():
        index = build_index(context)
        top = _resolve_all(scene.references, context, index)
        if read_scene is None:
            return top
        return top + _resolve_nested(top, scene.scene, context, index, read_scene)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while resolving.

    Resolution makes some hundred thousand small tuples and lists, none in a cycle; CPython
    counts them as they are made and every few thousand walks all that survived again (a
    quarter of the time of a large resolve). Collection resumes, as it was, at the end.

    Resuming as such would make the first allocation after it walk everything made meanwhile
    (the youngest generation's count is far past its threshold): 3-8% of a large resolve. So
    those objects are moved to the oldest generation first (`freeze` then `unfreeze`, which
    also resets that count), unless the application keeps objects frozen itself.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


def _resolve_nested(
    top: tuple[Resolution, ...],
    scene: str,
    context: SearchContext,
    index: FolderIndex,
    read_scene: Callable[[str], SceneInfo],
) -> tuple[Resolution, ...]:
    """The files that referenced `.ma` scenes use, each scene read once, breadth first."""
    nested: list[Resolution] = []
    seen = {os.path.abspath(scene)}
    queue: deque[tuple[Resolution, tuple[str, ...]]] = deque((res, ()) for res in top)
    while queue:
        res, chain = queue.popleft()
        path = res.files[0] if res.ref.node_type == "reference" and res.files else None
        if path is None or path in seen or not path.lower().endswith(".ma"):
            continue
        seen.add(path)
        try:
            inner = read_scene(path)
        except SceneError as exc:
            log.warning("cannot read referenced scene %s: %s", path, exc)
            continue
        via = (*chain, res.ref.node)
        here = replace(context, scene_dir=os.path.dirname(path))
        for found in _resolve_all(inner.references, here, index):
            note = f"In reference {res.ref.node} ({path}): " if found.message else ""
            found = replace(found, via=via, message=note + found.message)
            nested.append(found)
            queue.append((found, via))
    return tuple(nested)


def _resolve_all(
    refs: Sequence[FileRef], context: SearchContext, index: FolderIndex
) -> tuple[Resolution, ...]:
    keys = [(ref.path, ref.frame_sequence, ref.uv_tiling) for ref in refs]
    distinct: dict[tuple[str, bool, int], FileRef] = {}
    for key, ref in zip(keys, refs, strict=True):  # many nodes share one file: resolve it once
        distinct.setdefault(key, ref)
    found = _resolve_distinct(list(distinct.values()), context, index)
    if len(found) == len(refs):
        return tuple(found)
    done = dict(zip(distinct, found, strict=True))
    out = []
    for key, ref in zip(keys, refs, strict=True):
        same = done[key]
        if distinct.pop(key, None) is not None:
            out.append(same)
        else:
            out.append(replace(same, ref=ref, message=_retarget(same.message, same.ref, ref)))
    return tuple(out)


def _resolve_distinct(
    refs: Sequence[FileRef], context: SearchContext, index: FolderIndex
) -> list[Resolution]:
    """Try the rules in order for each reference; see the module docstring.

    The rules run one after another over all references still unfound, so rules 4 and 6
    match every reference against a tree in one pass over its files (`find_patterns`).
    """
    results: list[Resolution | None] = [None] * len(refs)
    pending: list[_Pending] = []
    env = context.env or {}
    frames = context.frames
    walked = index if context.project_root in index.roots else None
    for i, ref in enumerate(refs):
        raw = ref.path.strip()
        if not raw:
            results[i] = Resolution(ref, None, None, message=f"{_where(ref)} has no file set")
            continue
        if "<maya_resources>" in raw.lower():
            results[i] = Resolution(ref, MAYA_RESOURCES, None)
            continue
        target = _target(ref, raw, env)
        if (ref.node_type, ref.attribute) in FOLDER_ATTRIBUTES:
            results[i] = _resolve_folder(ref, target, context, index)
            continue
        name, pattern = target.name, target.pattern
        for rule, folder in _direct_folders(target, context, walked):
            reroot = walked is not None and rule == "project_reroot"
            found = index.lookup(folder, name, pattern, frames, walked=reroot)
            if found:
                results[i] = _found(ref, rule, folder, target, found, (), frames)
                break
        else:
            pending.append((i, ref, target))
    sourceimages = _sourceimages(context)
    if sourceimages and pending:
        pending = _below(pending, "sourceimages", sourceimages, context, index, results)
    still = []
    for item in pending:
        i, ref, target = item
        for folder in _working_folders(target, context):
            found = index.lookup(folder, target.name, target.pattern, frames)
            if found:
                results[i] = _found(ref, "working_dir", folder, target, found, (), frames)
                break
        else:
            still.append(item)
    pending = still
    for root in context.search_paths:
        if pending:
            pending = _below(pending, "search_path", root, context, index, results)
    for i, ref, target in pending:
        message = _missing_message(ref, target, context, index)
        results[i] = Resolution(ref, None, None, message=message)
    return [r for r in results if r is not None]


def _below(
    pending: list[_Pending],
    rule: str,
    root: str,
    context: SearchContext,
    index: FolderIndex,
    results: list[Resolution | None],
) -> list[_Pending]:
    """Rule 4 or 6 for every reference still unfound; returns those this root did not find."""
    if not index.has_files_below(root):
        return pending
    patterns = [t.pattern for _i, _r, t in pending if t.pattern is not None]
    by_pattern = index.find_patterns(patterns, root, context.frames) if patterns else None
    still = []
    for item in pending:
        i, ref, target = item
        have: Iterable[int] | None = None
        if by_pattern is None or target.pattern is None:
            hits = [(d, n) for d, n in index.find_name(target.name, root) if n == target.name]
        else:
            positions = by_pattern.files[target.name]
            folders, names = by_pattern.folders, by_pattern.names
            if positions and folders[positions[0]] == folders[positions[-1]]:
                # one folder: a pattern's hits come folder by folder
                found = sorted(map(names.__getitem__, positions))
                have = by_pattern.frames[target.name]
                results[i] = _found(
                    ref, rule, folders[positions[0]], target, found, (), context.frames, have
                )
                continue
            hits = [(folders[p], names[p]) for p in positions]
        if not hits:
            still.append(item)
            continue
        best, found, ties = _best_of(hits, root, target)
        results[i] = _found(ref, rule, best, target, found, ties, context.frames)
    return still


def _resolve_folder(
    ref: FileRef, target: _Target, context: SearchContext, index: FolderIndex
) -> Resolution:
    """The same rules for a folder reference (a cache folder): its files are what it holds."""
    as_file = _Target(ScenePath(target.path.anchor, (*target.path.parts, "")), "", None, ())
    candidates = [
        *_direct_folders(as_file, context),
        *(("working_dir", f) for f in _working_folders(as_file, context)),
    ]
    for rule, folder in candidates:
        names = index.names_in(folder)
        if names and os.path.basename(folder) == target.path.name:
            return _folder_found(ref, rule, folder, names)
    roots: list[tuple[str, str]] = []
    sourceimages = _sourceimages(context)
    if sourceimages:
        roots.append(("sourceimages", sourceimages))
    roots += [("search_path", root) for root in context.search_paths]
    written = [p.lower() for p in target.path.parts]
    for rule, root in roots:
        found = [f for f in index.find_folder(target.path.name, root) if index.names_in(f)]
        if found:
            best = max(found, key=lambda f: (_tail_score(f, root, written), -len(f)))
            return _folder_found(ref, rule, best, index.names_in(best))
    return Resolution(ref, None, None, message=_missing_message(ref, target, context, index))


def _folder_found(ref: FileRef, rule: str, folder: str, names: list[str]) -> Resolution:
    return Resolution(ref, rule, folder, tuple(folder + os.sep + n for n in sorted(names)))


def _sourceimages(context: SearchContext) -> str | None:
    if context.sourceimages:
        return context.sourceimages
    return context.project_root + os.sep + "sourceimages" if context.project_root else None


def _target(ref: FileRef, raw: str, env: Mapping[str, str]) -> _Target:
    """`raw` is the reference's path, stripped."""
    expanded, unset = expand_env(raw, env)
    path = parse_scene_path(expanded)
    name = path.name
    if ref.frame_sequence or ref.uv_tiling:
        name = implicit_tokens(name, frame_sequence=ref.frame_sequence, uv_tiling=ref.uv_tiling)
    return _Target(path, name, compile_name(name), unset)


def _direct_folders(
    target: _Target, context: SearchContext, walked: FolderIndex | None = None
) -> tuple[tuple[str, str], ...]:
    """Rules 1–3: single folders, in order, without repeats; absolute and normalised.

    Given the index that walked the project, re-rooted tails whose last folder has no
    namesake below the project are left out: they cannot exist.
    """
    path = target.path
    anchor = path.anchor
    folders = path.folders
    tails = True
    if walked is not None and folders and context.project_root:
        tails = folders[-1] in walked.folder_names_below(context.project_root)
        if not tails and anchor and anchor != "/" and os.name != "nt":
            folders = ()  # then only the project and the scene folder are left to look in
    return _folders_for(anchor, folders, context.project_root, context.scene_dir, tails)


@functools.lru_cache(maxsize=4096)
def _folders_for(
    anchor: str, folders: tuple[str, ...], project: str | None, scene_dir: str, tails: bool
) -> tuple[tuple[str, str], ...]:
    """`_direct_folders` for one written folder; textures often share folders, so it is kept."""
    sep = os.sep
    out: list[tuple[str, str]] = []
    if anchor:
        if anchor == "/" or os.name == "nt":
            out.append(("as_written", _native(anchor, folders)))
    elif project:
        out.append(("as_written", os.path.normpath(os.path.join(project, *folders))))
    if project:
        for k in range(0 if tails else len(folders), len(folders) + 1):
            tail = folders[k:]
            if ".." in tail:
                continue
            out.append(("project_reroot", project + sep + sep.join(tail) if tail else project))
    if not anchor and folders and ".." not in folders:
        out.append(("scene_folder", scene_dir + sep + sep.join(folders)))
    out.append(("scene_folder", scene_dir))
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for rule, folder in out:
        if folder not in seen:
            seen.add(folder)
            unique.append((rule, folder))
    return tuple(unique)


def _working_folders(target: _Target, context: SearchContext) -> list[str]:
    folders = [context.working_dir]
    if not target.path.is_absolute and target.path.folders:
        folders.insert(0, os.path.normpath(os.path.join(context.working_dir, *target.path.folders)))
    return folders


def _native(anchor: str, folders: tuple[str, ...]) -> str:
    return os.path.normpath(anchor + "/".join(folders)) if folders else os.path.normpath(anchor)


def _best_of(
    hits: list[tuple[str, str]], root: str, target: _Target
) -> tuple[str, list[str], tuple[str, ...]]:
    """The folder below `root` that best fits the written path's tail, its files, and ties."""
    by_folder: dict[str, list[str]] = {}
    for folder, name in hits:
        by_folder.setdefault(folder, []).append(name)
    written = [p.lower() for p in target.path.folders]
    scored = sorted(by_folder, key=lambda f: (-_tail_score(f, root, written), len(f), f))
    best = scored[0]
    top = _tail_score(best, root, written)
    ties = tuple(
        os.path.join(f, target.name) for f in scored[1:] if _tail_score(f, root, written) == top
    )
    return best, sorted(by_folder[best]), ties


def _tail_score(folder: str, root: str, written: list[str]) -> int:
    rel = folder[len(root) + 1 :]
    parts = [p.lower() for p in rel.split(os.sep)] if rel else []
    score = 0
    while score < min(len(parts), len(written)) and parts[-1 - score] == written[-1 - score]:
        score += 1
    return score


def _found(
    ref: FileRef,
    rule: str,
    folder: str,
    target: _Target,
    names: list[str],
    ties: tuple[str, ...],
    frames: frozenset[int] | None,
    have: Iterable[int] | None = None,
) -> Resolution:
    """The resolution found in `folder`; `have`, when known, holds the frame numbers of `names`."""
    missing: tuple[int, ...] = ()
    if frames and target.pattern is not None and target.pattern.has_frames:
        if have is None:
            have = [f for n in names for f in target.pattern.frames_of(n) or ()]
        missing = tuple(sorted(frames.difference(have)))
    base = folder + os.sep
    found = _new_resolution(Resolution)  # one per reference: see `_new_resolution`
    found.__dict__.update(
        ref=ref,
        rule=rule,
        resolved=base + target.name,
        files=tuple(map(base.__add__, names)),
        alternatives=ties,
        missing_frames=missing,
        message="",
        via=(),
    )
    return found


# A frozen dataclass sets each field through `object.__setattr__`; filling the new instance's
# `__dict__` at once builds the same value in a third of the time (every field is given).
_new_resolution = object.__new__


def _missing_message(
    ref: FileRef, target: _Target, context: SearchContext, index: FolderIndex
) -> str:
    written = target.path
    looked = []
    if written.is_absolute and (not written.is_windows or os.name == "nt"):
        looked.append("as written")
    if context.project_root:
        looked += [
            f"under the project {context.project_root}",
            "in the scene folder",
            f"in {_sourceimages(context)}",
        ]
    else:
        looked.append("in the scene folder")
    looked.append("in the working directory")
    if context.search_paths:
        n = len(context.search_paths)
        looked.append(f"in {n} search path{'s' if n > 1 else ''}")
    text = f"{_where(ref)}: {ref.path} not found (looked {', '.join(looked)})."
    if target.pattern is not None and target.pattern.has_frames and context.frames:
        other = _other_frames(target, context, index)
        if other:
            rendered = _frame_list(context.frames)
            return (
                f"{_where(ref)}: {ref.path} has no file for the frames being rendered"
                f" ({rendered});"
                f" the sequence at {other} holds other frames. Check the frame range, or the"
                " sequence's frame offset on the node."
            )
    if target.unset:
        names = ", ".join(f"${v}" for v in target.unset)
        text += f" Environment variable {names} is not set here; set it or add a search path."
    elsewhere = _elsewhere(index, target)
    if elsewhere:
        shown = elsewhere[:_HINTS_SHOWN]
        places = ", ".join(shown)
        folders = " or ".join(dict.fromkeys(os.path.dirname(p) for p in shown))
        if target.pattern is not None or any(os.path.basename(p) == target.name for p in shown):
            text += f" A file of that name exists at {places}; add {folders} as a search path."
        else:
            text += (
                f" A file whose name differs only in case or Unicode form exists at {places}:"
                " Linux render nodes tell them apart, so rename it to"
                f" {target.name} or fix the path in the scene."
            )
    elif not context.project_root and not target.path.is_absolute:
        text += " The path is relative: pass the Maya project with --project."
    elif target.path.is_windows and os.name != "nt":
        text += (
            " It is a Windows path: add the folder that holds the file on this machine as a"
            " search path, or set the project so its tail can be found under it."
        )
    else:
        text += " Add the folder that holds it as a search path."
    return text


def _other_frames(target: _Target, context: SearchContext, index: FolderIndex) -> str | None:
    """The folder holding this sequence at other frames than the ones rendered, if any."""
    for _rule, folder in _direct_folders(target, context):
        if index.lookup(folder, target.name, target.pattern, None):
            return folder
    for root in index.roots:
        assert target.pattern is not None
        hits = index.find_pattern(target.pattern, root)
        if hits:
            return hits[0][0]
    return None


def _frame_list(frames: frozenset[int]) -> str:
    ordered = sorted(frames)
    if len(ordered) > 2 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{ordered[0]}-{ordered[-1]}"
    return ", ".join(str(f) for f in ordered[:8]) + ("…" if len(ordered) > 8 else "")


def _elsewhere(index: FolderIndex, target: _Target) -> list[str]:
    """Files anywhere indexed that fit the name: the evidence for a helpful hint."""
    hits: list[tuple[str, str]] = []
    for root in index.roots:
        if target.pattern is None:
            hits += index.find_name(target.name, root)
        elif target.pattern.prefix or target.pattern.skeleton is not None:
            hits += index.find_pattern(target.pattern, root)
    return sorted({os.path.join(d, n) for d, n in hits})


def _retarget(message: str, old: FileRef, new: FileRef) -> str:
    """The message of a shared resolution, naming this reference's node instead."""
    old_where = _where(old)
    if message.startswith(old_where):
        return _where(new) + message[len(old_where) :]
    return message


def _where(ref: FileRef) -> str:
    return f"{ref.node}.{ref.attribute} ({ref.node_type})"
