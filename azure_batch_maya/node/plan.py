"""The render plan: one JSON file per job that every task of the job reads on its node.

The job builder writes it (`render.job.build_job`'s `RenderJob.plan_text`); the command line
of a task names only the plan and the task id, so no path or mapping ever has to survive a
shell. Node-side paths in it start with `nodemap.ROOT_TOKEN`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure_batch_maya.node.imagenames import ImageNaming
from azure_batch_maya.node.nodemap import ROOT_TOKEN, PlanError

PLAN_VERSION = 1
PLAN_FILE = "plan.json"
MANIFEST_FILE = "manifest.json"
SHIP_DIR = "azbm"  # below the job preparation folder: the shipped code, plan and manifest
ASSETS_DIR = "assets"  # below the job preparation folder: the asset project's files
IMAGES_DIR = "images"  # below the task's working folder: what the task renders


@dataclass(frozen=True)
class PathFile:
    """A file the renderer reads its path mapping from, named by an environment variable."""

    env: str
    name: str
    text: str  # with ROOT_TOKEN where the node's root goes
    json_text: bool  # whether the root must be JSON-escaped when put in


@dataclass(frozen=True)
class TaskEntry:
    """One task: its frames, the layers and cameras it renders, the images it must leave."""

    id: str
    frames: tuple[float, ...]
    layers: tuple[str, ...]
    cameras: tuple[str, ...]
    images: tuple[str, ...]  # relative to the images folder, `/`-separated


@dataclass(frozen=True)
class Plan:
    job_id: str
    scene: str  # node path (ROOT_TOKEN-rooted)
    renderer: str  # the scene's currentRenderer value
    plugins: tuple[str, ...]  # Maya plug-ins to load before the scene opens
    naming: ImageNaming
    pathmap: dict[str, Any]
    path_files: tuple[PathFile, ...]
    command: tuple[str, ...] | None  # a render command template instead of mayapy
    renderer_options: dict[str, str]
    tasks: dict[str, TaskEntry]
    # the attribute the renderer names its images from (V-Ray reads its own)
    prefix_plug: str = "defaultRenderGlobals.imageFilePrefix"

    def task(self, task_id: str) -> TaskEntry:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise PlanError(f"task {task_id!r} is not in the plan of job {self.job_id}") from None


def load_plan(path: Path) -> Plan:
    """Read a plan file; `PlanError` names what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanError(
            f"plan {path} is missing: the job preparation task did not fetch it"
        ) from None
    except (OSError, ValueError) as exc:
        raise PlanError(f"plan {path} is unreadable: {exc}") from None
    return plan_from_json(data)


def plan_from_json(data: dict[str, Any]) -> Plan:
    if data.get("version") != PLAN_VERSION:
        raise PlanError(
            f"plan version {data.get('version')!r} is not {PLAN_VERSION}: the node scripts and "
            "the job were made by different versions of azure-batch-maya; submit again"
        )
    try:
        naming = data["naming"]
        return Plan(
            job_id=str(data["job_id"]),
            scene=str(data["scene"]),
            renderer=str(data["renderer"]),
            plugins=tuple(data.get("plugins", ())),
            naming=ImageNaming(naming["prefix"], naming["extension"], int(naming["padding"])),
            pathmap=dict(data["pathmap"]),
            path_files=tuple(
                PathFile(f["env"], f["name"], f["text"], bool(f["json"]))
                for f in data.get("path_files", ())
            ),
            command=tuple(data["command"]) if data.get("command") else None,
            renderer_options={str(k): str(v) for k, v in data.get("renderer_options", {}).items()},
            prefix_plug=str(naming.get("prefix_plug") or "defaultRenderGlobals.imageFilePrefix"),
            tasks={
                t["id"]: TaskEntry(
                    t["id"],
                    tuple(float(f) for f in t["frames"]),
                    tuple(t["layers"]),
                    tuple(t["cameras"]),
                    tuple(t["images"]),
                )
                for t in data["tasks"]
            },
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanError(f"the plan is missing or has a bad {exc}") from None


def root_text(path_file: PathFile, root: str) -> str:
    """The path file's text with the node's real root put in."""
    root = root.replace("\\", "/").rstrip("/")
    value = json.dumps(root)[1:-1] if path_file.json_text else root
    return path_file.text.replace(ROOT_TOKEN, value)
