"""Frames → chunks → one task per chunk, optionally per render layer and per camera.

Task ids are what Batch accepts (letters, digits, `-`, `_`, at most 64 characters) and unique
within the job, whatever the layer and camera names hold.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass

from azure_batch_maya.assets.frames import MAX_FRAMES, FrameSpec, FrameSpecError, parse_frames
from azure_batch_maya.render.scouts import ScoutError
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.scene.model import FrameRange, RenderLayer, SceneInfo

MAX_ID = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class TaskPlanError(ValueError):
    """The scene and settings give nothing (or nothing valid) to render."""


@dataclass(frozen=True)
class RenderTask:
    """One Batch task: frames of the given layers seen through the given cameras."""

    id: str
    frames: tuple[float, ...]
    layers: tuple[str, ...]  # legacy render layer names (`rs_X` for Render Setup layer X)
    cameras: tuple[str, ...]  # camera transforms
    scout: bool = False  # rendered first; the rest waits on it (render/scouts.py)

    @property
    def display_name(self) -> str:
        return (
            f"frames {frame_label(self.frames)} · {', '.join(self.layers)} · "
            f"{', '.join(self.cameras)}"
        )


def frame_spec(scene: SceneInfo, settings: SubmitSettings) -> FrameSpec:
    """The frames to render: the settings' list, else the scene's range (with a new step)."""
    if settings.frames:
        try:
            return parse_frames(settings.frames)
        except FrameSpecError as exc:
            raise TaskPlanError(str(exc)) from None
    r = scene.frames
    return FrameSpec((FrameRange(r.start, r.end, settings.step or r.step),))


MAX_TASKS = MAX_FRAMES  # tasks a job can hold (assets/frames.py says why)


def chunks(frames: tuple[float, ...], size: int) -> tuple[tuple[float, ...], ...]:
    """Consecutive runs of `size` frames (the last may be shorter)."""
    return tuple(frames[i : i + size] for i in range(0, len(frames), size))


def render_layers(scene: SceneInfo, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """Renderable legacy layer names; `wanted` picks by legacy name, Render Setup or shown name."""
    layers = scene.layers or (RenderLayer("defaultRenderLayer"),)
    if not wanted:
        chosen = [layer for layer in layers if layer.renderable]
        if not chosen:
            raise TaskPlanError(
                "no render layer is renderable; turn one on in Render Setup or pass --layer"
            )
        return tuple(layer.name for layer in chosen)
    out: list[str] = []
    for name in wanted:
        match = next((layer for layer in layers if name in _names(layer)), None)
        if match is None:
            known = ", ".join(layer.display_name for layer in layers)
            raise TaskPlanError(f"the scene has no render layer {name!r} (it has: {known})")
        if match.name not in out:
            out.append(match.name)
    return tuple(out)


def render_cameras(scene: SceneInfo) -> tuple[str, ...]:
    cameras = tuple(c.transform for c in scene.renderable_cameras)
    if not cameras:
        raise TaskPlanError(
            "no camera is renderable; tick Renderable on a camera in Render Settings"
        )
    return cameras


def plan_tasks(scene: SceneInfo, settings: SubmitSettings) -> tuple[RenderTask, ...]:
    """Every task of the job, in render order: chunk by chunk, then layer, then camera."""
    try:
        frames = frame_spec(scene, settings).frames()
    except FrameSpecError as exc:
        raise TaskPlanError(str(exc)) from None
    if not frames:
        raise TaskPlanError("the frame list is empty")
    layers = render_layers(scene, settings.layers)
    cameras = render_cameras(scene)
    layer_groups = tuple((layer,) for layer in layers) if settings.split_layers else (layers,)
    camera_groups = tuple((c,) for c in cameras) if settings.split_cameras else (cameras,)
    scouts: tuple[float, ...] = ()
    if settings.scout is not None:
        try:
            scouts = settings.scout.pick(frames)
        except ScoutError as exc:
            raise TaskPlanError(str(exc)) from None
    rest = tuple(f for f in frames if f not in set(scouts))
    runs = [((f,), True) for f in scouts] + [(c, False) for c in chunks(rest, settings.chunk_size)]
    total = len(runs) * len(layer_groups) * len(camera_groups)
    if total > MAX_TASKS:
        raise TaskPlanError(
            f"this makes {total:,} tasks, more than one job can hold ({MAX_TASKS:,}); render "
            "more frames a task (--chunk), or fewer frames a job"
        )
    tasks: list[RenderTask] = []
    used: set[str] = set()
    for chunk, scout in runs:
        for layer_group in layer_groups:
            for camera_group in camera_groups:
                words = [f"frames-{frame_label(chunk, sep='-')}"]
                if settings.split_layers:
                    words.append(layer_group[0])
                if settings.split_cameras:
                    words.append(camera_group[0])
                task_id = unique_id(safe_id("_".join(words)), used)
                used.add(task_id.lower())
                tasks.append(RenderTask(task_id, chunk, layer_group, camera_group, scout))
    return tuple(tasks)


def safe_id(text: str) -> str:
    """`text` in Batch's id alphabet, at most 64 characters; a changed id gets a hash of the
    original, so two names that differ only in unsafe characters stay apart."""
    safe = _UNSAFE.sub("-", text).strip("-") or "task"
    if safe == text and len(safe) <= MAX_ID:
        return safe
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{safe[: MAX_ID - 9]}-{digest}"


def unique_id(task_id: str, used: set[str]) -> str:
    """`task_id`, or it with a number when an earlier task has it; `used` holds lower-case ids
    (Batch ids are case-insensitive)."""
    candidate, n = task_id, 1
    while candidate.lower() in used:
        n += 1
        suffix = f"-{n}"
        candidate = task_id[: MAX_ID - len(suffix)] + suffix
    return candidate


def frame_label(frames: tuple[float, ...], sep: str = "-") -> str:
    """`0001-0005`, `0007`, or `0001-0009x2` for a chunk; fractions keep their digits."""
    texts = [_frame_text(f) for f in frames]
    if len(frames) == 1:
        return texts[0]
    step = frames[1] - frames[0]
    regular = all(abs((b - a) - step) < 1e-9 for a, b in itertools.pairwise(frames))
    if regular:
        tail = "" if abs(step - 1) < 1e-9 else f"x{_num(step)}"
        return f"{texts[0]}{sep}{texts[-1]}{tail}"
    return f"{texts[0]}{sep}{texts[-1]}"


def _names(layer: RenderLayer) -> tuple[str, ...]:
    return tuple(n for n in (layer.name, layer.display_name, layer.render_setup) if n)


def _frame_text(frame: float) -> str:
    if float(frame).is_integer():
        return f"{int(frame):04d}" if frame >= 0 else f"m{abs(int(frame)):04d}"
    return _num(frame).replace(".", "p").replace("-", "m")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
