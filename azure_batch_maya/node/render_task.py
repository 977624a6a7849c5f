"""What one render task runs on its node: map, render, then check every expected image.

`python <azbm> render TASK_ID [--stand-in]` where `<azbm>` is the shipped folder in the job
preparation folder. The renderer is Maya (a `mayapy` child process running `maya_session`),
the stand-in (only with `--stand-in`), or the plan's render command. Whatever it reports,
the task fails when an expected image is missing or empty: Maya can exit 0 having written
nothing. The check also looks at what the renderer did write (files new or changed in the images
folder since the task started), so a naming rule guessed wrong shows as "expected X, found Y"
in the task's stderr, never as a silent loss. The images written are uploaded either way.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from azure_batch_maya.node.nodemap import ROOT_TOKEN, NodeMapping, PlanError
from azure_batch_maya.node.plan import (
    ASSETS_DIR,
    IMAGES_DIR,
    PLAN_FILE,
    Plan,
    TaskEntry,
    frame_text,
    load_plan,
    root_text,
)

log = logging.getLogger(__name__)

MISSING_IMAGES_EXIT = 4
SETUP_EXIT = 2
MAYAPY_ENV = "AZBM_MAYAPY"


@dataclass(frozen=True)
class TaskPlaces:
    """The folders a task uses on its node."""

    ship_dir: Path  # the shipped code, plan and manifest
    assets_root: Path  # the asset project's files, in the node layout
    work_dir: Path  # the task's working folder (Batch's AZ_BATCH_TASK_WORKING_DIR)

    @property
    def images_dir(self) -> Path:
        return self.work_dir / IMAGES_DIR


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("task_id")
    parser.add_argument("--stand-in", action="store_true", help="the stand-in, not Maya")
    parser.add_argument("--plan", type=Path, help="plan file (default: next to this code)")


def main(args: argparse.Namespace, ship_dir: Path) -> int:
    places = TaskPlaces(ship_dir, ship_dir.parent / ASSETS_DIR, Path.cwd())
    try:
        plan = load_plan(args.plan or ship_dir / PLAN_FILE)
        task = plan.task(args.task_id)
    except PlanError as exc:
        log.error("%s", exc)
        return SETUP_EXIT
    return run_task(plan, task, places, stand_in=args.stand_in)


def run_task(plan: Plan, task: TaskEntry, places: TaskPlaces, *, stand_in: bool) -> int:
    """Render the task's frames, then check them; the exit code for Batch."""
    try:
        mapping = plan.pathmap.rooted(str(places.assets_root))
    except PlanError as exc:
        log.error("%s", exc)
        return SETUP_EXIT
    scene = mapping_root(plan.scene, places.assets_root)
    places.images_dir.mkdir(parents=True, exist_ok=True)
    before = snapshot(places.images_dir)
    env = dict(os.environ)
    env.update(write_path_files(plan, places))
    log.info("task %s: frames %s of %s", task.id, _frames(task.frames), scene)
    if stand_in:
        code = _run_stand_in(plan, task, mapping, scene, places)
    elif plan.command:
        code = _run_command(plan, task, scene, places, env)
    else:
        code = _run_maya(task, places, env)
    missing = missing_images(places.images_dir, task.images)
    written = new_files(places.images_dir, before)
    expected = set(task.images)
    unexpected = [f for f in written if f not in expected]
    if missing:
        log.error("%s", missing_message(places.images_dir, task, missing, written, code))
        return code or MISSING_IMAGES_EXIT
    if unexpected:
        log.warning(
            "the renderer also wrote %d image(s) no one asked for (render passes?): %s",
            len(unexpected),
            ", ".join(unexpected[:_SHOWN]) + (" …" if len(unexpected) > _SHOWN else ""),
        )
    if code != 0:
        log.error("the renderer exited %d although every expected image exists", code)
        return code
    log.info("task %s: all %d images present", task.id, len(task.images))
    return 0


def mapping_root(path: str, root: Path) -> str:
    """A plan path with the node's asset root put in."""
    base = str(root).replace("\\", "/").rstrip("/")
    return base + path[len(ROOT_TOKEN) :] if path.startswith(ROOT_TOKEN) else path


def write_path_files(plan: Plan, places: TaskPlaces) -> dict[str, str]:
    """Write each renderer path-mapping file into the task folder; the variables naming them."""
    env: dict[str, str] = {}
    for path_file in plan.path_files:
        target = places.work_dir / path_file.name
        target.write_text(root_text(path_file, str(places.assets_root)), encoding="utf-8")
        env[path_file.env] = str(target)
    return env


def missing_images(images_dir: Path, expected: tuple[str, ...]) -> list[str]:
    """The expected images that are absent or empty."""
    missing = []
    for rel in expected:
        path = images_dir / rel
        try:
            if path.stat().st_size > 0:
                continue
        except OSError:
            pass
        missing.append(rel)
    return missing


Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file below `folder`: relative path → (modification time in ns, size)."""
    out: Snapshot = {}
    for path in folder.rglob("*"):
        try:
            info = path.stat()
        except OSError:
            continue
        if path.is_file():
            out[path.relative_to(folder).as_posix()] = (info.st_mtime_ns, info.st_size)
    return out


def new_files(folder: Path, before: Snapshot) -> list[str]:
    """The files below `folder` that are new or changed since `before`, sorted."""
    return sorted(rel for rel, stamp in snapshot(folder).items() if before.get(rel) != stamp)


def missing_message(
    images_dir: Path, task: TaskEntry, missing: list[str], written: list[str], code: int
) -> str:
    """Every missing image; what the renderer wrote instead, paired by frame number where it
    can be, so a wrong naming rule reads "expected X, found Y"."""
    expected = set(task.images)
    unexpected = [f for f in written if f not in expected]
    lines = [
        f"task {task.id} failed: {len(missing)} of {len(task.images)} expected images are "
        f"missing or empty (the renderer exited {code}):",
        *(f"  {m}" for m in missing),
    ]
    shown = ", ".join(written[:_SHOWN]) + (" …" if len(written) > _SHOWN else "")
    lines.append(f"images this task wrote in {images_dir}: {shown or 'none'}")
    by_frame: dict[str | None, list[str]] = {}
    for name in unexpected:
        by_frame.setdefault(_frame_of(name), []).append(name)
    for name in missing:
        found = by_frame.get(_frame_of(name)) or []
        if found:
            lines.append(f"expected {name}, found {', '.join(found[:3])}")
    if unexpected and not any(line.startswith("expected ") for line in lines):
        lines.append(f"expected {missing[0]}, found {', '.join(unexpected[:3])}")
    if unexpected:
        lines.append(
            "The renderer named its images differently from the prediction: report this with "
            "the scene's render settings (see docs/rendering.md, How frames are named)."
        )
    lines.append(
        f"missing: {', '.join(missing[:_SHOWN])}" + (" …" if len(missing) > _SHOWN else "")
    )
    return "\n".join(lines)


_SHOWN = 20
_FRAME = re.compile(r"(\d+)\.[^./]+$")


def _frame_of(name: str) -> str | None:
    """The frame digits before the extension (`a/b.0004.exr` → `4`), or None."""
    match = _FRAME.search(name)
    return str(int(match.group(1))) if match else None


def find_mayapy(env: dict[str, str]) -> str | None:
    """mayapy: `AZBM_MAYAPY`, this Python if it has Maya, `$MAYA_LOCATION/bin`, then PATH."""
    if env.get(MAYAPY_ENV):
        return env[MAYAPY_ENV]
    if importlib.util.find_spec("maya") is not None:
        return sys.executable
    name = "mayapy.exe" if os.name == "nt" else "mayapy"
    location = env.get("MAYA_LOCATION")
    if location and (Path(location) / "bin" / name).is_file():
        return str(Path(location) / "bin" / name)
    return shutil.which(name, path=env.get("PATH"))


def _run_maya(task: TaskEntry, places: TaskPlaces, env: dict[str, str]) -> int:
    mayapy = find_mayapy(env)
    if mayapy is None:
        log.error(
            "Maya is not on this node: no mayapy in $MAYA_LOCATION/bin or on PATH (set %s "
            "to its path). Use a pool image with Maya installed; the stand-in renders only "
            "when the job asks for it with --stand-in",
            MAYAPY_ENV,
        )
        return SETUP_EXIT
    argv = [mayapy, str(places.ship_dir), "maya-session", task.id]
    log.info("starting %s", subprocess.list2cmdline(argv))
    return subprocess.call(argv, cwd=places.work_dir, env=env)


def _run_stand_in(
    plan: Plan, task: TaskEntry, mapping: NodeMapping, scene: str, places: TaskPlaces
) -> int:
    from azure_batch_maya.node import standin

    try:
        standin.render(
            Path(scene),
            task,
            mapping,
            places.images_dir,
            padding=plan.naming.padding,
            extension=plan.naming.extension,
            prefix=plan.naming.prefix,
        )
    except standin.StandInError as exc:
        log.error("%s", exc)
        return standin.MISSING_EXIT
    return 0


def _run_command(
    plan: Plan, task: TaskEntry, scene: str, places: TaskPlaces, env: dict[str, str]
) -> int:
    """The plan's command template with each known `{name}` filled in (other braces are
    left alone, so arguments may hold them); a value never splits into more arguments."""
    assert plan.command is not None
    values = {
        "scene": scene,
        "project": mapping_root(plan.pathmap.workspace or "", places.assets_root),
        "images": str(places.images_dir),
        "start": frame_text(task.frames[0]),
        "end": frame_text(task.frames[-1]),
        "step": frame_text(task.frames[1] - task.frames[0]) if len(task.frames) > 1 else "1",
        "frames": ",".join(frame_text(f) for f in task.frames),
        "layer": ",".join(task.layers),
        "camera": ",".join(task.cameras),
        "task": task.id,
    }
    pattern = re.compile(r"\{(" + "|".join(values) + r")\}")
    argv = [pattern.sub(lambda m: values[m.group(1)], part) for part in plan.command]
    log.info("running %s", subprocess.list2cmdline(argv))
    try:
        return subprocess.call(argv, cwd=places.work_dir, env=env)
    except OSError as exc:
        log.error("cannot start the render command %s: %s", argv[0], exc)
        return SETUP_EXIT


def session_main(args: argparse.Namespace, ship_dir: Path) -> int:
    """`maya-session TASK_ID`: run inside mayapy by `_run_maya`."""
    from azure_batch_maya.node import maya_session

    places = TaskPlaces(ship_dir, ship_dir.parent / ASSETS_DIR, Path.cwd())
    try:
        plan = load_plan(args.plan or ship_dir / PLAN_FILE)
        task = plan.task(args.task_id)
        mapping = plan.pathmap.rooted(str(places.assets_root))
        scene = mapping_root(plan.scene, places.assets_root)
        maya_session.run(plan, task, mapping, scene, places.images_dir)
    except (PlanError, maya_session.MayaSessionError) as exc:
        log.error("%s", exc)
        return SETUP_EXIT
    return 0


def _frames(frames: tuple[float, ...]) -> str:
    return ",".join(frame_text(f) for f in frames)
