"""The asset project: the named set of local files a render needs, and where each goes on a node.

Its files are the scene, its `workspace.mel`, the resolved references and what the user added,
minus what they deselected, each with size and content hash. On a node every file keeps its
local path below one root, with a Windows drive as a folder (`C:/show/a.tif` → `C/show/a.tif`,
`/mnt/a.tif` → `mnt/a.tif`), so two files never collide and path mapping only swaps prefixes.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import FileDigest
from azure_batch_maya.assets.resolve import Resolution
from azure_batch_maya.assets.scenepath import parse_scene_path
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.scene.project import WORKSPACE_FILE

_MIN, _MAX = 3, 63


@dataclass(frozen=True)
class AssetFile:
    """One file to send: where it is here, where it goes below the node's asset root."""

    local: str
    node_path: str  # relative, forward slashes
    size: int
    sha256: str
    added: bool = False  # added by the user rather than found from a reference


@dataclass(frozen=True)
class AssetProject:
    """The named set of files to send; the scene and its `workspace.mel` are among them."""

    name: str
    project_root: str | None
    files: tuple[AssetFile, ...]
    resolutions: tuple[Resolution, ...]
    scene: str = ""  # the scene file, local and absolute

    @property
    def scene_node_path(self) -> str:
        """The scene's place below the node's asset root: what the render opens."""
        return node_layout(self.scene)

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def container_name(text: str) -> str:
    """`text` made a valid Azure container name: 3–63 of a-z, 0-9 and single inner hyphens."""
    text = text.replace("\u2019", "'")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "-", re.sub(r"['`]", "", ascii_text.lower())).strip("-")
    name = name[:_MAX].rstrip("-")
    if not name:
        return "maya-project"
    if len(name) < _MIN:
        name = f"{name}-project"
    return name


def default_project_name(scene: SceneInfo) -> str:
    """The Maya project's folder name, else the scene's name, as a container name."""
    if scene.project_root:
        return container_name(Path(scene.project_root).name)
    return container_name(Path(scene.scene).stem)


def node_layout(local: str, *, windows: bool | None = None) -> str:
    """A local absolute path's place below the node's asset root (`C:\\a\\b` → `C/a/b`).

    `windows` says how to read `local` (default: as this machine does): on POSIX a backslash
    is an ordinary character of a name, on Windows a separator.
    """
    if os.name == "nt" if windows is None else windows:
        return "/".join(parse_scene_path(local).layout_parts())
    return "/".join(p for p in PurePosixPath(local).parts if p != "/")


def build_project(
    scene: SceneInfo,
    resolutions: Iterable[Resolution],
    choices: AssetChoices,
    digest: Callable[[str], FileDigest],
    *,
    watch: Callable[[str], None] | None = None,
) -> AssetProject:
    """Collect, deselect and hash; `digest` is the hash cache's (the only file reads here).

    `watch`, when given, hears every path this build looks at (the scene, `workspace.mel`,
    each added path, each folder before it is listed, each file before it is hashed), so a
    cache of the result (`assets/projectcache.py`) knows what to check for changes.
    """
    look = watch or _ignore
    resolutions = tuple(resolutions)
    wanted: dict[str, bool] = {}
    look(scene.scene)
    if Path(scene.scene).is_file():
        wanted[os.path.abspath(scene.scene)] = False  # noqa: PTH100
    if scene.project_root:
        workspace = str(Path(scene.project_root).absolute() / WORKSPACE_FILE)
        look(workspace)
        if Path(workspace).is_file():
            wanted[workspace] = False
    for res in resolutions:
        if res.needs_upload:
            for f in res.files:
                wanted.setdefault(os.path.abspath(f), False)  # noqa: PTH100
    for f in _expand_added(choices.added, look):
        wanted.setdefault(f, True)
    dropped = tuple(os.path.abspath(p) for p in choices.deselected)  # noqa: PTH100
    files = []
    for local in sorted(wanted):
        if any(_is_under(local, d) for d in dropped):
            continue
        look(local)
        d = digest(local)
        files.append(AssetFile(local, node_layout(local), d.size, d.sha256, wanted[local]))
    return AssetProject(
        name=container_name(choices.project_name)
        if choices.project_name
        else (default_project_name(scene)),
        project_root=scene.project_root,
        files=tuple(files),
        resolutions=resolutions,
        scene=os.path.abspath(scene.scene),  # noqa: PTH100
    )


def _ignore(_path: str) -> None:
    return None


def _expand_added(paths: Iterable[str], look: Callable[[str], None]) -> list[str]:
    out: list[str] = []
    for p in paths:
        p = os.path.abspath(p)  # noqa: PTH100
        look(p)
        if Path(p).is_dir():
            for folder, dirs, names in os.walk(p):
                for d in dirs:  # heard before os.walk lists it (top-down: after this yield)
                    look(os.path.join(folder, d))  # noqa: PTH118
                out += [os.path.join(folder, n) for n in names]  # noqa: PTH118
        elif Path(p).is_file():
            out.append(p)
    return out


def _is_under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
