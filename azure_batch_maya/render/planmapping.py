"""The path mapping a job's plan carries: folders, exact files, remaps, the renderer's file.

Jobs are built before anyone knows where a node keeps the job's files, so every node path here
starts with `ROOT_TOKEN`; the node puts its root in (`NodeMapping.rooted`) and applies the
mapping itself (`node/maya_session.py`, the stand-in). `farmmapping` writes the same mapping as
files for a farm that does not run our node scripts.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.node.nodemap import ROOT_TOKEN, NodeMapping
from azure_batch_maya.node.plan import PathFile
from azure_batch_maya.render.pathfiles import renderer_path_files
from azure_batch_maya.render.pathmap import NodeOS, build_pathmap, explicit_remaps
from azure_batch_maya.render.renderers import Renderer


@dataclass(frozen=True)
class PlanMapping:
    pathmap: NodeMapping
    path_files: tuple[PathFile, ...]  # the renderer's own mapping file, if it reads one
    warnings: tuple[str, ...]


def plan_mapping(project: AssetProject, node_os: NodeOS, renderer: Renderer) -> PlanMapping:
    """The plan's mapping for nodes of `node_os` rendering with `renderer`."""
    pathmap = build_pathmap(project, node_os, ROOT_TOKEN)
    remaps = explicit_remaps(project, pathmap)
    envs = (renderer.path_file_env,) if renderer.path_file_env else ()
    files = renderer_path_files(pathmap, envs)
    mapping = NodeMapping(
        workspace=pathmap.project,
        dirs=tuple((d.scene, d.node) for d in pathmap.dirs),
        files=pathmap.files,
        remaps=tuple((r.plug, r.path) for r in remaps if not r.is_ocio),
        ocio=next((r.path for r in remaps if r.is_ocio), None),
    )
    cannot = tuple(f"{renderer.label} cannot map {p} (a quote in the path)" for p in files.skipped)
    return PlanMapping(mapping, files.files, cannot)
