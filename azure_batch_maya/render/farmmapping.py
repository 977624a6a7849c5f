"""The path mapping as files, for a farm of the user's own (`assets --write-mapping DIR`).

Such a farm runs Maya without our node scripts, so it gets the mapping as scripts and files:
dirmap MEL/Python to run around opening the scene (`dirmapscripts`), and every renderer's own
mapping file (`pathfiles`) with the variables that name it. Run `before_open()` from the Python
file before opening the scene and `after_open()` after. Everything here comes from one
`NodePathMap`, so the pieces agree; jobs we submit carry the same mapping in their plan instead
(`planmapping`).
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.render.dirmapscripts import dirmap_mel, dirmap_python, remaps_mel
from azure_batch_maya.render.pathfiles import FORMATS, renderer_path_files
from azure_batch_maya.render.pathmap import NodeOS, NodePathMap, Remap, build_pathmap
from azure_batch_maya.render.pathmap import explicit_remaps as _explicit_remaps

PYTHON_FILE = "azbm_pathmap.py"
MEL_BEFORE_FILE = "azbm_dirmap.mel"
MEL_AFTER_FILE = "azbm_remaps.mel"


@dataclass(frozen=True)
class FarmMapping:
    pathmap: NodePathMap
    remaps: tuple[Remap, ...]
    files: dict[str, str]  # file name → text (UTF-8)
    env: dict[str, str]
    skipped: tuple[str, ...]  # paths a format could not hold (named for a warning)


def farm_mapping(project: AssetProject, node_os: NodeOS, root: str, folder: str) -> FarmMapping:
    """The mapping for nodes of `node_os` whose asset root is `root`; files go in `folder`."""
    pathmap = build_pathmap(project, node_os, root)
    remaps = _explicit_remaps(project, pathmap)
    renderer_files = renderer_path_files(pathmap, FORMATS)
    folder = folder.replace("\\", "/").rstrip("/")
    files = {
        PYTHON_FILE: dirmap_python(pathmap, remaps),
        MEL_BEFORE_FILE: dirmap_mel(pathmap),
        MEL_AFTER_FILE: remaps_mel(remaps),
        **{f.name: f.text for f in renderer_files.files},
    }
    env = {f.env: f"{folder}/{f.name}" for f in renderer_files.files}
    return FarmMapping(pathmap, remaps, files, env, renderer_files.skipped)
