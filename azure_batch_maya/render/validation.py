"""What would make a render fail or come back wrong, found before any money is spent.

One list of findings with levels, reused by `validate`, `scan --json` and the panel: an error
stops a submission, a warning asks for a look, a notice only informs. Each message says what
to do about it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from azure_batch_maya.assets import outside
from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.frames import FrameBoundError, FrameSpec, check_bounds
from azure_batch_maya.assets.resolve import Resolution
from azure_batch_maya.assets.workspace import file_rules, rule_folder
from azure_batch_maya.render.renderers import RENDERERS, supported_text
from azure_batch_maya.scene.model import SceneInfo

Level = Literal["error", "warning", "notice"]
LEVELS: tuple[Level, ...] = ("error", "warning", "notice")

SUPPORTED_RENDERERS = frozenset(RENDERERS)  # the renderer table's, render/renderers.py
# Plug-ins that ship with Maya 2024–2026 (MtoA included) and so exist on any node with Maya;
# the renderers' own plug-ins are listed for images that install them.
NODE_PLUGINS = frozenset(
    {
        "AbcExport", "AbcImport", "ATFPlugin", "BossEditor", "Boss", "GPUBuiltInDeformer",
        "MASH", "OpenEXRLoader", "Type", "Unfold3D", "bifrostGraph", "bifrostshellnode",
        "curveWarp", "deformerEvaluator", "fbxmaya", "gpuCache", "hairPhysicalShader",
        "ik2Bsolver", "ikSpringSolver", "invertShape", "lookdevKit", "matrixNodes",
        "mayaCharacterization", "mayaHIK", "mayaUsdPlugin", "meshReorder", "modelingToolkit",
        "mtoa", "poseInterpolator", "quatNodes", "renderSetup.py", "sceneAssembly",
        "shaderFXPlugin", "stereoCamera", "xgenToolkit", "vrayformaya", "redshift4maya",
        "RenderMan_for_Maya",
    }
)  # fmt: skip
_LAYER_TOKEN = re.compile(r"<RenderLayer>|<Layer>|%l", re.IGNORECASE)
_CAMERA_TOKEN = re.compile(r"<Camera>|%c", re.IGNORECASE)
_HINT_LIMIT = 10


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class DiskChecks:
    """The findings that look at this machine's disk (the choices' paths, each file's kind and
    links, the output folder `workspace.mel` names): found once on a worker, then reused while
    the frames and settings change, so a panel's redraw reads no file."""

    choices: tuple[Finding, ...] = ()
    placement: tuple[Finding, ...] = ()
    output: tuple[Finding, ...] = ()


def check_disk(
    scene: SceneInfo,
    resolutions: Sequence[Resolution],
    *,
    choices: AssetChoices | None = None,
    output_dir: str | None = None,
) -> DiskChecks:
    """The checks of `validate` that read the disk. Slow on a big scene: a worker's job."""
    return DiskChecks(
        tuple(_choices(choices)),
        tuple(_placement(scene, resolutions, choices)),
        tuple(_output(scene, resolutions, output_dir)),
    )


def validate(
    scene: SceneInfo,
    resolutions: Sequence[Resolution],
    *,
    frames: FrameSpec | None = None,
    output_dir: str | None = None,
    renderers: Iterable[str] = SUPPORTED_RENDERERS,
    node_plugins: Iterable[str] = NODE_PLUGINS,
    choices: AssetChoices | None = None,
    disk: DiskChecks | None = None,
) -> tuple[Finding, ...]:
    """All findings, errors first, then warnings, then notices (each in check order).

    `output_dir` defaults to the project's images folder (its `workspace.mel` rule, read
    here); `frames` to the scene's range;
    `choices` adds checks of the user's search paths and added files. `disk`: the checks
    that read the disk, made already by `check_disk` for these choices (else made now).
    """
    if disk is None:
        disk = check_disk(scene, resolutions, choices=choices, output_dir=output_dir)
    findings = [
        *disk.choices,
        *_assets(resolutions),
        *disk.placement,
        *disk.output,
        *_render_settings(scene, frames, frozenset(renderers)),
        *_plugins(scene, frozenset(node_plugins)),
    ]
    return tuple(sorted(findings, key=lambda f: LEVELS.index(f.level)))


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.level == "error" for f in findings)


def _choices(choices: AssetChoices | None) -> list[Finding]:
    if choices is None:
        return []
    out = [
        Finding(
            "warning",
            "search-path-missing",
            f"Search path {p} is not a folder on this machine; fix or remove it.",
        )
        for p in choices.search_paths
        if not Path(p).is_dir()
    ]
    out += [
        Finding(
            "warning",
            "added-missing",
            f"Added file or folder {p} does not exist; it will not be sent.",
        )
        for p in choices.added
        if not Path(p).exists()
    ]
    return out


def _assets(resolutions: Sequence[Resolution]) -> list[Finding]:
    out: list[Finding] = []
    for res in resolutions:
        ref = res.ref
        if not res.found:
            if not ref.path.strip():
                out.append(Finding("notice", "empty-path", res.message))
            else:
                out.append(Finding("error", "missing-asset", res.message))
            continue
        if ref.node_type == "reference" and res.files and res.files[0].lower().endswith(".mb"):
            out.append(
                Finding(
                    "notice",
                    "binary-reference",
                    f"{ref.node}: {res.files[0]} is Maya binary; the files it uses are not "
                    "listed or checked here. Save it as .ma, or check it in Maya.",
                )
            )
        if res.alternatives:
            others = ", ".join(res.alternatives)
            out.append(
                Finding(
                    "warning",
                    "ambiguous-asset",
                    f"{ref.node}.{ref.attribute}: {ref.path} matched {res.files[0]} and, "
                    f"equally well, {others}; remove the copy you do not want, or add the "
                    "right folder as an earlier search path.",
                )
            )
        if res.missing_frames:
            shown = ", ".join(str(f) for f in res.missing_frames[:_HINT_LIMIT])
            more = "…" if len(res.missing_frames) > _HINT_LIMIT else ""
            out.append(
                Finding(
                    "warning",
                    "missing-frames",
                    f"{ref.node}.{ref.attribute}: sequence {ref.path} has no file for "
                    f"rendered frame(s) {shown}{more}; check the sequence, or the frame "
                    "offset on the node.",
                )
            )
    return out


def _output(
    scene: SceneInfo, resolutions: Sequence[Resolution], output_dir: str | None
) -> list[Finding]:
    if output_dir is None and scene.project_root:
        rules = file_rules(scene.project_root)
        output_dir = rule_folder(scene.project_root, rules, "images", "images")
    if output_dir is None:
        return []
    root = os.path.normcase(str(Path(output_dir).absolute()))
    out: list[Finding] = []
    for res in resolutions:
        inside = [
            f for f in res.files if os.path.normcase(f).startswith(root.rstrip(os.sep) + os.sep)
        ]
        if inside:
            out.append(
                Finding(
                    "warning",
                    "asset-in-output",
                    f"{res.ref.node}.{res.ref.attribute}: {inside[0]} is inside the output "
                    f"folder {output_dir}; downloaded frames may overwrite it. Move it to "
                    "sourceimages or another folder.",
                )
            )
    return out


def _render_settings(
    scene: SceneInfo, frames: FrameSpec | None, renderers: frozenset[str]
) -> list[Finding]:
    out: list[Finding] = []
    if not scene.renderable_cameras:
        out.append(
            Finding(
                "error",
                "no-camera",
                "No renderable camera: tick Renderable on a camera in Render Settings.",
            )
        )
    if scene.layers and not scene.renderable_layers:
        out.append(
            Finding(
                "error",
                "no-layer",
                "No renderable render layer: turn rendering on for at least one layer.",
            )
        )
    # An empty prefix gets Maya's own layer and camera folders (docs/rendering.md); a prefix
    # the user typed is taken as it is, so it must tell layers and cameras apart itself.
    prefix = scene.image_prefix.strip()
    if prefix and len(scene.renderable_layers) > 1 and not _LAYER_TOKEN.search(prefix):
        names = ", ".join(layer.display_name for layer in scene.renderable_layers)
        out.append(
            Finding(
                "error",
                "layers-overwrite",
                f"Layers {names} are all rendered but the output prefix {prefix!r} has no "
                "<RenderLayer>: each layer would overwrite the last. Add <RenderLayer> to File "
                "name prefix.",
            )
        )
    if prefix and len(scene.renderable_cameras) > 1 and not _CAMERA_TOKEN.search(prefix):
        names = ", ".join(c.transform for c in scene.renderable_cameras)
        out.append(
            Finding(
                "error",
                "cameras-overwrite",
                f"Cameras {names} are all renderable but the output prefix {prefix!r} has no "
                "<Camera>: both would write the same file names, one task over another. Add "
                "<Camera> to File name prefix, or untick Renderable on all cameras but one.",
            )
        )
    if scene.renumber_frames:
        out.append(
            Finding(
                "warning",
                "renumber-frames",
                "Renumber frames is on: each task renumbers its own frames, so names collide "
                "across tasks. Turn it off in Render Settings.",
            )
        )
    if scene.renderer not in renderers:
        out.append(
            Finding(
                "error",
                "unsupported-renderer",
                f"Renderer {scene.renderer!r} cannot render on the farm; switch Render Settings "
                f"to one of: {supported_text()}.",
            )
        )
    out += _frames(scene, frames)
    return out


def _frames(scene: SceneInfo, frames: FrameSpec | None) -> list[Finding]:
    ranges = frames.ranges if frames is not None else (scene.frames,)
    if not ranges:
        return [Finding("error", "frame-range", "No frames to render: give a frame range.")]
    out: list[Finding] = []
    try:
        check_bounds(ranges)
    except FrameBoundError as exc:
        return [
            Finding(
                "error",
                "frame-range",
                f"Frames {exc}; fix the frame range in Render Settings, or pass --frames.",
            )
        ]
    for r in ranges:
        if r.end < r.start:
            out.append(
                Finding(
                    "error",
                    "frame-range",
                    f"Frame range {r.start:g}-{r.end:g} runs backwards: set the end frame "
                    "after the start, or pass --frames.",
                )
            )
        elif r.step <= 0:
            out.append(
                Finding(
                    "error",
                    "frame-range",
                    f"Frame step {r.step:g} must be above 0: fix By frame, or pass --frames.",
                )
            )
    if frames is None and not scene.animation:
        out.append(
            Finding(
                "notice",
                "single-frame",
                "Animation is off in Render Settings: Maya renders one frame. Turn it on, or "
                "pass --frames, to render a range.",
            )
        )
    return out


def _placement(
    scene: SceneInfo, resolutions: Sequence[Resolution], choices: AssetChoices | None
) -> list[Finding]:
    """Files from outside the project and search paths, system folders, and where links lead."""
    files = [f for res in resolutions for f in res.files]
    if choices is not None:
        files += list(choices.added)
    dropped = [os.path.abspath(p) for p in choices.deselected] if choices else []  # noqa: PTH100
    files = [f for f in files if not any(outside.is_inside(f, d) for d in dropped)]
    out: list[Finding] = []
    for path in dict.fromkeys(files):
        if not outside.is_regular_file(path):
            out.append(
                Finding(
                    "error",
                    "not-a-file",
                    f"{path} is not a regular file (a pipe, a device or a folder); it cannot "
                    "be sent. Fix the path in the scene, or deselect it on the Assets tab.",
                )
            )
        target = outside.link_target(path)
        if target is not None:
            out.append(
                Finding(
                    "notice",
                    "symlink",
                    f"{path} is a symbolic link to {target}; the file it leads to is sent.",
                )
            )
        system = outside.system_folder(path) or (target and outside.system_folder(target))
        if system:
            out.append(
                Finding(
                    "error",
                    "system-file",
                    f"{path} is in the system folder {system}; a scene's assets never are, and "
                    "it would be uploaded to the cloud. Fix the path in the scene, or deselect "
                    "it on the Assets tab.",
                )
            )
    scene_folder = str(Path(scene.scene).parent) if Path(scene.scene).is_absolute() else ""
    roots = [scene.project_root or "", scene_folder, *(choices.search_paths if choices else ())]
    ref_files = [
        outside.link_target(f) or f
        for res in resolutions
        for f in res.files
        if not any(outside.is_inside(f, d) for d in dropped)
    ]
    away = outside.outside(ref_files, roots)
    if away:
        shown = "\n  ".join(away[:_HINT_LIMIT]) + (
            f"\n  … and {len(away) - _HINT_LIMIT} more" if len(away) > _HINT_LIMIT else ""
        )
        out.append(
            Finding(
                "warning",
                "outside-project",
                f"{len(away)} file(s) outside the project and the search paths will be "
                f"uploaded:\n  {shown}\nCheck they belong to this scene; add the folders you "
                "trust as search paths, so this list holds only surprises.",
            )
        )
    return out


def _plugins(scene: SceneInfo, node_plugins: frozenset[str]) -> list[Finding]:
    return [
        Finding(
            "warning",
            "unknown-plugin",
            f"The scene requires plug-in {p.name} {p.version}, which no render node is known "
            "to have; install it in the node image, or remove its nodes if they are unused.",
        )
        for p in scene.plugins
        if p.name not in node_plugins
    ]
