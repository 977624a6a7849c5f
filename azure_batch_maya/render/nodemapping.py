"""Everything path mapping puts on a node, in one value: the files to write and the environment.

The submit step writes `files` next to the scene on the node (in `folder`), sets `env` on the
task, runs `before_open()` from the Python file before opening the scene and `after_open()`
after. Everything here comes from one `NodePathMap`, so the pieces agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.render import arnoldmap, redshiftmap
from azure_batch_maya.render.dirmap import dirmap_mel, dirmap_python, remaps_mel
from azure_batch_maya.render.pathmap import NodeOS, NodePathMap, Remap, build_pathmap
from azure_batch_maya.render.pathmap import explicit_remaps as _explicit_remaps

PYTHON_FILE = "azbm_pathmap.py"
MEL_BEFORE_FILE = "azbm_dirmap.mel"
MEL_AFTER_FILE = "azbm_remaps.mel"
ARNOLD_FILE = "azbm_arnold_pathmap.json"
REDSHIFT_FILE = "azbm_redshift_pathoverride.txt"


@dataclass(frozen=True)
class NodeMapping:
    pathmap: NodePathMap
    remaps: tuple[Remap, ...]
    files: dict[str, str]  # file name → text (UTF-8)
    env: dict[str, str]
    skipped: tuple[str, ...]  # paths a format could not hold (named for a warning)


def node_mapping(project: AssetProject, node_os: NodeOS, root: str, folder: str) -> NodeMapping:
    """The mapping for nodes of `node_os` whose asset root is `root`; files go in `folder`."""
    pathmap = build_pathmap(project, node_os, root)
    remaps = _explicit_remaps(project, pathmap)
    redshift = redshiftmap.redshift_overrides(pathmap)
    folder = folder.replace("\\", "/").rstrip("/")
    files = {
        PYTHON_FILE: dirmap_python(pathmap, remaps),
        MEL_BEFORE_FILE: dirmap_mel(pathmap),
        MEL_AFTER_FILE: remaps_mel(remaps),
        ARNOLD_FILE: arnoldmap.arnold_pathmap_json(pathmap),
        REDSHIFT_FILE: redshift.text,
    }
    env = {
        arnoldmap.ENV_VAR: f"{folder}/{ARNOLD_FILE}",
        redshiftmap.ENV_VAR: f"{folder}/{REDSHIFT_FILE}",
    }
    return NodeMapping(pathmap, remaps, files, env, redshift.skipped)
