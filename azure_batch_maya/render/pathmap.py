"""Where each path a scene writes is found on a render node, for Linux and Windows nodes.

The scene is never edited. Every file of the asset project sits on the node below one root in
the local layout (`node_layout`), so the node-side path of a scene path is a prefix swap:
the folder the scene writes → the node folder of the local folder it was resolved to. `map_path`
is the one function that answers it; the dirmap lines, explicit remaps, Arnold's and Redshift's
path maps are all generated from the same `NodePathMap`, so they cannot disagree.

Folder mappings are shortened to the shortest prefix pair they share (`C:/Shot/cache/` →
`<root>/home/me/proj/cache/` becomes `C:/Shot/` → `<root>/home/me/proj/`) so files the scene
reaches indirectly (nested references, caches named inside caches) map too; when two
references would need one written folder to go to two places, the later ones get exact
per-file entries instead.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    key = written.text
    for scene_path, node_path in pathmap.files:
        if scene_path == key:
            return node_path
    if not written.is_absolute:
        return f"{pathmap.project}/{key}" if pathmap.project else None
    for d in pathmap.dirs:
        if key.startswith(d.scene) or key + "/" == d.scene:
            return d.node + key[len(d.scene) :]
    return None


def build_pathmap(project: AssetProject, node_os: NodeOS, root: str) -> NodePathMap:
    """Derive the prefix table from how each reference was resolved."""
    root = root.replace("\\", "/").rstrip("/")
    pairs: list[tuple[ScenePath, str, Resolution]] = []
    for res in project.resolutions:
        if not res.needs_upload or res.resolved is None:
            continue
        node_folder = node_path_of_local(str(Path(res.resolved).parent), root) + "/"
        pairs.append((parse_scene_path(res.ref.path), node_folder, res))
    dirs: dict[str, str] = {}
    exact: dict[str, str] = {}
    shortened: dict[str, set[str]] = {}
    for written, node_folder, _res in pairs:
        if written.is_absolute:
            scene, node = _shorten(written.parent_text, node_folder)
            shortened.setdefault(scene, set()).add(node)
    for written, node_folder, _res in pairs:
        if not written.is_absolute:
            continue
        scene, node = _shorten(written.parent_text, node_folder)
        if len(shortened[scene]) == 1:
            dirs[scene] = node
            continue
        full = written.parent_text
        if dirs.setdefault(full, node_folder) != node_folder:
            exact[written.text] = node_folder + written.name
    ordered = tuple(
        DirMapping(s, n) for s, n in sorted(dirs.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    )
    node_project = node_path_of_local(project.project_root, root) if project.project_root else None
    return NodePathMap(node_os, root, node_project, ordered, tuple(sorted(exact.items())))


def explicit_remaps(project: AssetProject, pathmap: NodePathMap) -> tuple[Remap, ...]:
    """What `dirmap` misses: token paths, `$VAR` paths, backslashes, the OCIO config, and paths
    that only an exact entry or a non-`as_written` relative resolution can place."""
    out: list[Remap] = []
    for res in project.resolutions:
        if not res.needs_upload or res.resolved is None:
            continue
        why = _why_explicit(res, pathmap)
        if why is None:
            continue
        mapped = _node_value(res, pathmap)
        if mapped is not None:
            ref = res.ref
            out.append(Remap(ref.node, ref.attribute, ref.node_type, mapped, why))
    return tuple(out)


def scene_paths(resolutions: Iterable[Resolution]) -> tuple[str, ...]:
    """The written paths of everything that is sent (for checks and tests)."""
    return tuple(r.ref.path for r in resolutions if r.needs_upload)


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
    if any(scene == written.text for scene, _ in pathmap.files):
        return "its folder maps elsewhere for another reference"
    return None


def _uses_env(raw: str) -> bool:
    return bool(expand_env(raw, {})[1])


def _shorten(scene: str, node: str) -> tuple[str, str]:
    """Drop the folders both prefixes end with, keeping at least one folder on the scene side."""
    s_path = parse_scene_path(scene)
    s_parts = list(s_path.parts)
    n_parts = node.rstrip("/").split("/")
    while len(s_parts) > 1 and len(n_parts) > 2 and s_parts[-1] == n_parts[-1]:
        s_parts.pop()
        n_parts.pop()
    return s_path.anchor + "".join(p + "/" for p in s_parts), "/".join(n_parts) + "/"
