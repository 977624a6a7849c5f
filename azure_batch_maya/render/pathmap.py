"""Where each path a scene writes is found on a render node, for Linux and Windows nodes.

The scene is never edited. Every file of the asset project sits on the node below one root in
the local layout (`node_layout`), so the node-side path of a scene path is a prefix swap:
the folder the scene writes → the node folder of the local folder it was resolved to. `map_path`
is the one function that answers it; the dirmap lines, explicit remaps, Arnold's and Redshift's
path maps are all generated from the same `NodePathMap`, so they cannot disagree.

Folder mappings are shortened to the shortest prefix pair they share (`C:/Shot/cache/` →
`<root>/home/me/proj/cache/` becomes `C:/Shot/` → `<root>/home/me/proj/`) so files the scene
reaches indirectly (nested references, caches named inside caches) map too. When references
disagree about where a shortened prefix goes, the majority keeps it and the others map their
own folder; every reference is then checked through `map_path`, and any the prefixes still get
wrong gets an exact per-file entry.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from azure_batch_maya.assets.project import AssetProject, node_layout
from azure_batch_maya.assets.resolve import Resolution
from azure_batch_maya.assets.scenepath import ScenePath, parse_scene_path
from azure_batch_maya.assets.tokens import expand_env, has_tokens

NodeOS = Literal["linux", "windows"]
NODE_OSES: tuple[NodeOS, ...] = ("linux", "windows")
OCIO_NODE_TYPE = "colorManagementGlobals"
# Where assets go on a node unless the job says otherwise: under the node's shared folder
# (AZ_BATCH_NODE_SHARED_DIR on Batch images), one sub-folder per asset project.
DEFAULT_NODE_ROOTS: dict[NodeOS, str] = {
    "linux": "/mnt/batch/tasks/shared/azbm",
    "windows": "D:/batch/tasks/shared/azbm",
}


@dataclass(frozen=True)
class DirMapping:
    """A written folder prefix and its node folder; both absolute, `/`-separated, ending `/`."""

    scene: str
    node: str


@dataclass(frozen=True)
class Remap:
    """An attribute to set after the scene opens, for what `dirmap` cannot reach."""

    node: str
    attribute: str
    node_type: str
    path: str  # the node-side value, tokens kept
    why: str

    @property
    def plug(self) -> str:
        return f"{self.node}.{self.attribute}"

    @property
    def is_ocio(self) -> bool:
        return self.node_type == OCIO_NODE_TYPE


@dataclass(frozen=True)
class NodePathMap:
    """Everything `map_path` needs for one node OS."""

    os: NodeOS
    root: str  # the node's asset root, absolute, `/`-separated, no trailing `/`
    project: str | None  # the remapped workspace on the node
    dirs: tuple[DirMapping, ...]  # longest scene prefix first
    files: tuple[tuple[str, str], ...] = ()  # exact written path → node path

    @functools.cached_property
    def _tables(self) -> tuple[dict[str, str], dict[str, str]]:
        return {d.scene: d.node for d in self.dirs}, dict(self.files)

    def lookup(self, written: ScenePath) -> str | None:
        """The node path by the exact entry or the longest mapped folder of `written`."""
        dirs, files = self._tables
        key = written.text
        if key in files:
            return files[key]
        for prefix in _folders_of(written):
            node = dirs.get(prefix)
            if node is not None:
                return node + key[len(prefix) :]
        return None

    def has_exact(self, written: ScenePath) -> bool:
        return written.text in self._tables[1]

    def prefixes_matching(self, written: ScenePath) -> int:
        """How many mapped folders contain `written` (dirmap may pick any of them)."""
        dirs = self._tables[0]
        return sum(prefix in dirs for prefix in _folders_of(written))

    def to_json(self) -> dict[str, object]:
        return {
            "os": self.os,
            "root": self.root,
            "project": self.project,
            "dirs": [[d.scene, d.node] for d in self.dirs],
            "files": [list(f) for f in self.files],
        }


def node_path_of_local(local: str, root: str) -> str:
    """Where a local file of the asset project lies on the node."""
    return f"{root.rstrip('/')}/{node_layout(local)}"


def map_path(path: str, pathmap: NodePathMap) -> str | None:
    """The node path for `path` as a scene writes it, or None when no mapping covers it.

    Backslashes count as `/`; a relative path is taken against the remapped workspace, as
    Maya does; prefixes compare case-sensitively, as `dirmap` does.
    """
    written = parse_scene_path(path)
    if not written.is_absolute:
        return f"{pathmap.project}/{written.text}" if pathmap.project else None
    return pathmap.lookup(written)


def build_pathmap(project: AssetProject, node_os: NodeOS, root: str) -> NodePathMap:
    """Derive the prefix table from how each reference was resolved."""
    root = root.replace("\\", "/").rstrip("/")
    pairs: list[tuple[ScenePath, str, Resolution]] = []
    for res in project.resolutions:
        if not res.needs_upload or res.resolved is None:
            continue
        node_folder = node_path_of_local(str(Path(res.resolved).parent), root) + "/"
        pairs.append((parse_scene_path(res.ref.path), node_folder, res))
    absolute = [(w, n) for w, n, _res in pairs if w.is_absolute]
    votes: dict[str, Counter[str]] = {}
    for written, node_folder in absolute:
        scene, node = _shorten(written.parent_text, node_folder, root)
        votes.setdefault(scene, Counter())[node] += 1
    dirs = {scene: count.most_common(1)[0][0] for scene, count in votes.items()}
    for written, node_folder in absolute:  # the outvoted keep their own folder, if it is free
        scene, node = _shorten(written.parent_text, node_folder, root)
        full = written.parent_text
        if dirs[scene] != node and full not in dirs and _only_for(full, node_folder, absolute):
            dirs[full] = node_folder
    ordered = _longest_first(dirs)
    exact: dict[str, str] = {}
    probe = NodePathMap(node_os, root, None, ordered)
    for written, node_folder in absolute:  # whatever the prefixes still get wrong, by file
        if probe.lookup(written) != node_folder + written.name:
            exact[written.text] = node_folder + written.name
    node_project = node_path_of_local(project.project_root, root) if project.project_root else None
    return NodePathMap(node_os, root, node_project, ordered, tuple(sorted(exact.items())))


def _only_for(folder: str, node_folder: str, absolute: list[tuple[ScenePath, str]]) -> bool:
    """No reference in or below `folder` needs a different node folder."""
    return all(node == node_folder for w, node in absolute if w.parent_text.startswith(folder))


def _longest_first(dirs: dict[str, str]) -> tuple[DirMapping, ...]:
    return tuple(
        DirMapping(s, n) for s, n in sorted(dirs.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    )


def explicit_remaps(project: AssetProject, pathmap: NodePathMap) -> tuple[Remap, ...]:
    """What `dirmap` misses: token paths, `$VAR` paths, backslashes, the OCIO config, and paths
    that only an exact entry or a non-`as_written` relative resolution can place."""
    out: list[Remap] = []
    for res in project.resolutions:
        if not res.needs_upload or res.resolved is None or res.via:
            continue  # a node inside a reference has a namespace we do not know: dirmap only
        why = _why_explicit(res, pathmap)
        if why is None:
            continue
        mapped = _node_value(res, pathmap)
        if mapped is not None:
            ref = res.ref
            out.append(Remap(ref.node, ref.attribute, ref.node_type, mapped, why))
    return tuple(out)


def _node_value(res: Resolution, pathmap: NodePathMap) -> str | None:
    """The attribute value for the node: the mapped folder with the file name as written."""
    assert res.resolved is not None
    name = parse_scene_path(res.ref.path).name
    if has_tokens(name) or _uses_env(res.ref.path):
        return node_path_of_local(str(Path(res.resolved).parent), pathmap.root) + "/" + name
    mapped = map_path(res.ref.path, pathmap)
    if mapped is not None:
        return mapped
    return node_path_of_local(res.resolved, pathmap.root)


def _why_explicit(res: Resolution, pathmap: NodePathMap) -> str | None:
    raw = res.ref.path
    written = parse_scene_path(raw)
    if res.ref.node_type == OCIO_NODE_TYPE:
        return "the OCIO config is not reached by dirmap"
    if has_tokens(written.name):
        return "dirmap does not map paths with tokens"
    if _uses_env(raw):
        return "the path uses environment variables"
    if "\\" in raw:
        return "the path is written with backslashes"
    if not written.is_absolute and res.rule != "as_written":
        return "a relative path found outside the project"
    if pathmap.has_exact(written):
        return "its folder maps elsewhere for another reference"
    if written.is_absolute and pathmap.prefixes_matching(written) > 1:
        return "several dirmap prefixes match it; dirmap's choice among them is not documented"
    return None


def _folders_of(written: ScenePath) -> list[str]:
    """Every folder prefix of `written`, longest first, each ending in `/`."""
    out = []
    prefix = written.anchor
    for part in written.parts[:-1]:
        out.append(prefix)
        prefix += part + "/"
    out.append(prefix)
    out.reverse()
    return out


def _uses_env(raw: str) -> bool:
    return bool(expand_env(raw, {})[1])


def _shorten(scene: str, node: str, root: str) -> tuple[str, str]:
    """Drop the folders both prefixes end with, keeping at least one folder on the scene side
    and never reaching above the node's asset root."""
    s_path = parse_scene_path(scene)
    s_parts = list(s_path.parts)
    n_parts = node.rstrip("/").split("/")
    keep = root.count("/") + 2  # the root's parts and one folder below it
    while len(s_parts) > 1 and len(n_parts) > keep and s_parts[-1] == n_parts[-1]:
        s_parts.pop()
        n_parts.pop()
    return s_path.anchor + "".join(p + "/" for p in s_parts), "/".join(n_parts) + "/"
