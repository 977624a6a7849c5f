"""Inside mayapy: map paths, open the scene, render the task's frames. Needs Maya.

The order is the point: `dirmap` is enabled with every mapping and the workspace set BEFORE the
scene opens (references resolve at open); the attribute remaps and the OCIO config come after
it. The file naming switches the frame check relies on (`name.#.ext`, padding) are forced.

How each renderer is started from mayapy was checked against AWS Deadline Cloud's render
handlers and the renderers' documentation (docs/rendering-on-nodes.md, with what is still
unverified); a wrong guess fails the task, because the caller checks every expected image.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.node.plan import Plan, TaskEntry, frame_text

log = logging.getLogger(__name__)

RenderCall = Callable[[Any, str, str, float], None]


def _one_frame(cmds: Any, frame: float) -> None:
    """The render globals' range and the current time both at `frame` (batch renders read the
    range, interactive-style calls the current time)."""
    cmds.setAttr("defaultRenderGlobals.startFrame", frame)
    cmds.setAttr("defaultRenderGlobals.endFrame", frame)
    cmds.currentTime(frame)


def _software(cmds: Any, layer: str, camera: str, frame: float) -> None:
    _one_frame(cmds, frame)
    cmds.render(camera, layer=layer)


def _hardware2(cmds: Any, layer: str, camera: str, frame: float) -> None:
    _one_frame(cmds, frame)
    cmds.ogsRender(camera=camera, currentFrame=True, layer=layer)


def _arnold(cmds: Any, layer: str, camera: str, frame: float) -> None:
    cmds.arnoldRender(batch=True, seq=frame_text(frame), camera=camera)


def _vray(cmds: Any, layer: str, camera: str, frame: float) -> None:
    # V-Ray renders its own frame list: "specific frames" (animType 2) with just this one
    cmds.setAttr("vraySettings.animType", 2)
    cmds.setAttr("vraySettings.animFrames", frame_text(frame), type="string")
    cmds.currentTime(frame)
    cmds.vrend(camera=camera)


def _redshift(cmds: Any, layer: str, camera: str, frame: float) -> None:
    _one_frame(cmds, frame)  # `animation` makes rsRender read the globals' range
    cmds.rsRender(render=True, batch=True, animation=True, camera=camera)


# Sources: docs/rendering-on-nodes.md (Deadline Cloud's render handlers, renderer docs).
RENDER_CALLS: dict[str, RenderCall] = {
    "mayaSoftware": _software,
    "mayaHardware2": _hardware2,
    "arnold": _arnold,
    "vray": _vray,
    "redshift": _redshift,
}


class MayaSessionError(Exception):
    """Maya could not be started or a step before rendering failed."""


def run(plan: Plan, task: TaskEntry, mapping: NodeMapping, scene: str, images_dir: Path) -> None:
    """Start Maya standalone, render, and shut it down (raises on the first failure)."""
    try:
        import maya.standalone
    except ImportError as exc:
        raise MayaSessionError(f"this Python cannot import maya.standalone ({exc})") from None
    maya.standalone.initialize(name="python")
    try:
        from maya import cmds

        render_in_session(cmds, plan, task, mapping, scene, images_dir)
    finally:
        maya.standalone.uninitialize()


def render_in_session(
    cmds: Any, plan: Plan, task: TaskEntry, mapping: NodeMapping, scene: str, images_dir: Path
) -> None:
    """The steps, over a `maya.cmds`-like object (so the order can be tested without Maya)."""
    call = RENDER_CALLS.get(plan.renderer)
    if call is None:
        raise MayaSessionError(f"no way to render {plan.renderer!r} from mayapy")
    for plugin in plan.plugins:
        cmds.loadPlugin(plugin, quiet=True)
    cmds.dirmap(enable=True)
    for source, target in (*mapping.dirs, *mapping.files):
        cmds.dirmap(mapDirectory=(source, target))
    if mapping.workspace:
        cmds.workspace(mapping.workspace, openWorkspace=True)
    log.info("opening %s", scene)
    cmds.file(scene, open=True, force=True)
    for plug, value in mapping.remaps:
        cmds.setAttr(plug, value, type="string")
    if mapping.ocio:
        cmds.colorManagementPrefs(edit=True, configFilePath=mapping.ocio)
    images = images_dir.as_posix()
    cmds.workspace(fileRule=("images", images))
    _force_naming(cmds, plan)
    if plan.renderer == "arnold":
        # a licence failure would otherwise render watermarked frames and exit 0
        cmds.setAttr("defaultArnoldRenderOptions.abortOnLicenseFail", True)
        cmds.setAttr("defaultArnoldRenderOptions.abortOnError", True)
        cmds.setAttr("defaultArnoldRenderOptions.renderType", 0)  # images, not .ass files
    if plan.renderer == "vray":
        _force_vray_output(cmds)
    for layer in task.layers:
        cmds.editRenderLayerGlobals(currentRenderLayer=layer)
        for camera in task.cameras:
            for frame in task.frames:
                log.info("rendering frame %s of layer %s, camera %s", frame, layer, camera)
                call(cmds, layer, camera, frame)


def _force_naming(cmds: Any, plan: Plan) -> None:
    """`name.#.ext` with the plan's padding and prefix: what the expected image names assume
    (the prefix may be the panel's override for this job; the scene file keeps its own)."""
    g = "defaultRenderGlobals"
    if plan.naming.prefix:
        cmds.setAttr(f"{g}.imageFilePrefix", plan.naming.prefix, type="string")
        if plan.prefix_plug != f"{g}.imageFilePrefix":  # V-Ray names images from its own
            cmds.setAttr(plan.prefix_plug, plan.naming.prefix, type="string")
    cmds.setAttr(f"{g}.animation", True)
    cmds.setAttr(f"{g}.outFormatControl", 0)
    cmds.setAttr(f"{g}.putFrameBeforeExt", True)
    cmds.setAttr(f"{g}.periodInExt", 1)
    cmds.setAttr(f"{g}.extensionPadding", plan.naming.padding)


def _force_vray_output(cmds: Any) -> None:
    """V-Ray's own output switches (its prefix is `_force_naming`'s): images saved, no .vrscene
    export instead, no distributed rendering waiting for other machines."""
    v = "vraySettings"
    cmds.setAttr(f"{v}.dontSaveImage", 0)
    cmds.setAttr(f"{v}.vrscene_on", 0)
    cmds.setAttr(f"{v}.vrscene_render_on", 1)
    cmds.setAttr(f"{v}.sys_distributed_rendering_on", 0)
