"""The stand-in renderer. It is NOT Maya and never pretends to be.

Used only when a submission asks for it (`--stand-in`), where Maya is absent (the local pool,
the demo, the tests). It does what a node must get right before Maya is worth starting: it
reads the scene on the node with the offline reader, applies the job's path mapping the way
`dirmap` and the explicit remaps do, follows references into the scenes they load, and fails
naming every referenced file absent on the node. Otherwise it writes one frame per frame, layer
and camera where Maya would have written it, in the scene's own image format (`framefiles`):
a contact sheet of the scene's textures as read on the node, labelled STAND-IN with frame,
layer and camera (`contactsheet`). A format it cannot write stops it before the first frame.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from azure_batch_maya.assets.tokens import compile_name, implicit_tokens
from azure_batch_maya.node import contactsheet
from azure_batch_maya.node.framefiles import FrameFormatError, check_writable, write_frame
from azure_batch_maya.node.imagenames import ImageNaming, layer_token
from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.node.plan import TaskEntry
from azure_batch_maya.node.scenewalk import NodeRef, UnreadableScene, walk_references
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import FileRef

log = logging.getLogger(__name__)

BANNER = "azure-batch-maya STAND-IN renderer: this is not Maya; it writes labelled test frames"
MISSING_EXIT = 3
SKIP_ENV = "AZBM_STANDIN_SKIP_FRAMES"


@dataclass(frozen=True)
class MissingFile:
    """A file the scene needs that the node does not have."""

    scene: str
    plug: str
    written: str
    node_path: str
    detail: str = ""

    def describe(self) -> str:
        text = f"{self.plug} in {self.scene}: {self.written} -> {self.node_path} is absent"
        return text + (f" ({self.detail})" if self.detail else "")


class StandInError(Exception):
    """What stops the stand-in; the message names every file absent on the node."""


def render(
    scene_path: Path,
    task: TaskEntry,
    mapping: NodeMapping,
    images_dir: Path,
    *,
    padding: int,
    extension: str,
    prefix: str | None = None,
) -> list[Path]:
    """Check the scene's files, then write the task's frames; returns the files written.

    `prefix` is the job's image prefix (as the render script sets it in Maya); None: the
    scene's own. Frames listed in `AZBM_STANDIN_SKIP_FRAMES` (a test's way to make a renderer
    that writes some images but not all) are left out.
    """
    log.warning(BANNER)
    missing = missing_files(scene_path, mapping, _int_frames(task.frames))
    if missing:
        lines = "\n".join(f"  {m.describe()}" for m in missing)
        raise StandInError(
            f"{len(missing)} file(s) the scene references are absent on this node:\n{lines}\n"
            "They were not uploaded with the job, or the path mapping sends them elsewhere."
        )
    info = read_ma(scene_path)
    naming = ImageNaming(info.image_prefix if prefix is None else prefix, extension, padding)
    try:
        check_writable(naming.extension)
    except FrameFormatError as exc:
        raise StandInError(str(exc)) from None
    shown = {layer.name: layer.display_name for layer in info.layers}
    skip = skipped_frames(os.environ.get(SKIP_ENV, ""))
    scene_name = scene_path.stem
    textures = contactsheet.node_textures(scene_path, mapping)
    on_sheet = textures[: contactsheet.MAX_TILES]
    _columns, tile_w, tile_h = contactsheet.tile_box(len(on_sheet))
    tiles = [contactsheet.read_tile(t, tile_w, tile_h) for t in on_sheet]
    for tile in tiles:
        if tile.problem:
            log.warning(
                "texture %s has no picture on the sheet: %s", tile.texture.path, tile.problem
            )
    written: list[Path] = []
    for layer in task.layers:
        for camera in task.cameras:
            for frame in task.frames:
                if frame in skip:
                    log.warning("%s: not writing frame %s, as the task asks", SKIP_ENV, frame)
                    continue
                rel = naming.name(
                    scene=scene_name, layer=shown.get(layer, layer), camera=camera, frame=frame
                )
                target = images_dir / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                label = contactsheet.SheetLabel(
                    scene_name, int(frame), layer_token(shown.get(layer, layer)), camera
                )
                sheet = contactsheet.draw_sheet(label, tiles, len(textures))
                text = {
                    "Software": "azure-batch-maya stand-in (not Maya)",
                    "Scene": scene_name,
                    "Layer": layer,
                    "Camera": camera,
                    "Frame": str(int(frame)),
                    "Renderer": info.renderer,
                    "Textures": "; ".join(str(t.path) for t in textures),
                }
                write_frame(target, sheet.width, sheet.height, sheet.lines(), text)
                written.append(target)
    return written


def missing_files(
    scene_path: Path, mapping: NodeMapping, frames: frozenset[int]
) -> list[MissingFile]:
    """Every referenced file absent on the node, following references into loaded scenes."""
    missing: list[MissingFile] = []
    problems: dict[NodeRef, str | None] = {}

    def present(item: NodeRef) -> bool:  # asked once the loop below has checked `item`
        return item in problems and problems[item] is None

    for item in walk_references(scene_path, mapping, follow=present):
        if isinstance(item, UnreadableScene):
            where = str(item.path)
            missing.append(MissingFile(where, "scene", where, where, item.error))
            continue
        if "<maya_resources>" in item.value.lower():
            continue  # ships with Maya on every node
        problem = problems[item] = _check(item.ref, item.value, frames)
        if problem is not None:
            missing.append(
                MissingFile(item.scene.name, item.plug, item.ref.path, item.value, problem)
            )
    return missing


def _check(ref: FileRef, value: str, frames: frozenset[int]) -> str | None:
    """None when the node has what `value` stands for, else what is lacking."""
    folder, _, name = value.replace("\\", "/").rpartition("/")
    pattern = compile_name(
        implicit_tokens(name, frame_sequence=ref.frame_sequence, uv_tiling=ref.uv_tiling)
    )
    if pattern is None:
        target = Path(value)
        if not target.is_file():
            return ""
        return None
    try:
        names = [p.name for p in Path(folder or ".").iterdir()]
    except OSError:
        return "its folder does not exist"
    if not pattern.has_frames:
        return None if any(pattern.match(n, None) for n in names) else "no file fits the pattern"
    have: set[int] = set()
    for n in names:
        have.update(pattern.frames_of(n) or ())
    lacking = sorted(frames - have)
    if lacking:
        return "frames " + _frame_list(lacking) + " are missing"
    return None


def skipped_frames(text: str) -> frozenset[float]:
    """`3,7` → {3.0, 7.0}; words that are not numbers are ignored (a test seam, not an input)."""
    out: set[float] = set()
    for word in text.split(","):
        try:
            out.add(float(word))
        except ValueError:
            continue
    return frozenset(out)


def _int_frames(frames: Iterable[float]) -> frozenset[int]:
    return frozenset(math.floor(f) for f in frames)


def _frame_list(frames: list[int]) -> str:
    return ", ".join(str(f) for f in frames)
