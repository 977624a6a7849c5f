"""The live reader: the same `SceneInfo` from a running Maya, through `maya.cmds`.

This is the only scene module that imports `maya`; call it on Maya's main thread. Nodes that
come from referenced files are left out, as the offline reader cannot see them either: the
referenced scenes are assets of their own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from maya import cmds

from azure_batch_maya.scene.file_attributes import FILE_ATTRIBUTES
from azure_batch_maya.scene.model import (
    Camera,
    FileRef,
    FrameRange,
    PluginRequirement,
    RenderLayer,
    SceneInfo,
)

_SKIPPED_REFERENCE_NODES = ("sharedReferenceNode", "_UNKNOWN_REF_NODE_")


def read_live(*, project: str | Path | None = None) -> SceneInfo:
    """Describe the scene open in this Maya session."""
    warnings: list[str] = []
    scene = cmds.file(q=True, sceneName=True) or "untitled"
    root = str(project or cmds.workspace(q=True, rootDirectory=True) or "")
    renderer = str(_get("defaultRenderGlobals.currentRenderer") or "mayaSoftware")
    image_format = str(_get("defaultRenderGlobals.imfPluginKey") or "")
    if renderer == "arnold" and cmds.objExists("defaultArnoldDriver"):
        image_format = str(_get("defaultArnoldDriver.ai_translator") or image_format)
    image_prefix = str(_get("defaultRenderGlobals.imageFilePrefix") or "")
    if renderer == "vray" and cmds.objExists("vraySettings"):  # V-Ray reads its own settings
        image_prefix = str(_get("vraySettings.fileNamePrefix") or "")
        image_format = str(_get("vraySettings.imageFormatStr") or "").split(" ")[0]
    return SceneInfo(
        scene=str(scene),
        maya_version=cmds.about(version=True),
        codeset=cmds.about(codeset=True),
        renderer=renderer,
        frames=FrameRange(
            start=float(_get("defaultRenderGlobals.startFrame")),
            end=float(_get("defaultRenderGlobals.endFrame")),
            step=float(_get("defaultRenderGlobals.byFrameStep")),
        ),
        animation=bool(_get("defaultRenderGlobals.animation")),
        image_prefix=image_prefix,
        image_format=image_format,
        layers=_layers(),
        cameras=_cameras(),
        project_root=str(Path(root).resolve()) if root else None,
        plugins=_plugins(warnings),
        references=(*_references(warnings), *_file_attributes()),
        renumber_frames=bool(_get("defaultRenderGlobals.modifyExtension")),
        warnings=tuple(warnings),
    )


def _get(plug: str) -> Any:
    return cmds.getAttr(plug)


def _local(nodes: list[str] | None) -> list[str]:
    return [n for n in nodes or [] if not cmds.referenceQuery(n, isNodeReferenced=True)]


def _layers() -> tuple[RenderLayer, ...]:
    owner: dict[str, str] = {}
    for setup_layer in cmds.ls(type="renderSetupLayer") or []:
        for legacy in (
            cmds.listConnections(f"{setup_layer}.legacyRenderLayer", source=True, destination=False)
            or []
        ):
            owner[legacy] = setup_layer
    return tuple(
        RenderLayer(name, bool(_get(f"{name}.renderable")), owner.get(name))
        for name in _local(cmds.ls(type="renderLayer"))
    )


def _cameras() -> tuple[Camera, ...]:
    cameras = []
    for shape in _local(cmds.ls(type="camera")):
        parents = cmds.listRelatives(shape, parent=True) or [shape]
        cameras.append(Camera(shape, parents[0], bool(_get(f"{shape}.renderable"))))
    return tuple(cameras)


def _plugins(warnings: list[str]) -> tuple[PluginRequirement, ...]:
    # `pluginsInUse` answering [name, version, name, version, ...] is unverified: an odd
    # length means the guess is wrong, and it is said rather than read as garbage.
    answer: Any = cmds.pluginInfo(q=True, pluginsInUse=True)
    in_use = [str(item) for item in answer or []]
    if len(in_use) % 2:
        warnings.append(f"unexpected answer from pluginInfo -pluginsInUse: {in_use!r}")
        return ()
    return tuple(PluginRequirement(n, v) for n, v in zip(in_use[::2], in_use[1::2], strict=True))


def _references(warnings: list[str]) -> list[FileRef]:
    refs: list[FileRef] = []
    for node in cmds.ls(type="reference") or []:
        if any(skip in node for skip in _SKIPPED_REFERENCE_NODES):
            continue
        try:
            path = cmds.referenceQuery(
                node, filename=True, unresolvedName=True, withoutCopyNumber=True
            )
        except RuntimeError as exc:
            warnings.append(f"reference node {node} has no file: {exc}")
            continue
        refs.append(FileRef(node, "reference", "file", str(path)))
    return refs


def _file_attributes() -> list[FileRef]:
    refs: list[FileRef] = []
    for node_type, attributes in FILE_ATTRIBUTES.items():
        try:
            nodes = cmds.ls(type=node_type)
        except RuntimeError:  # a plug-in node type that is not loaded
            continue
        for node in _local(nodes):
            sequence = _hint(node, "useFrameExtension")
            tiling = int(_hint(node, "uvTilingMode"))
            for attribute in attributes:
                value = _get(f"{node}.{attribute.long}")
                values = value if isinstance(value, list | tuple) else [value]
                refs.extend(
                    FileRef(node, node_type, attribute.short, str(v), bool(sequence), tiling)
                    for v in values
                    if v
                )
    return refs


def _hint(node: str, attribute: str) -> Any:
    if cmds.attributeQuery(attribute, node=node, exists=True):
        return _get(f"{node}.{attribute}") or 0
    return 0
