"""The render plan: one JSON file per job that every task of the job reads on its node.

`Plan` is the one definition of that file: the job builder (`render.job.build_job`) makes one
and writes it with `to_json`; the node reads it back with `from_json` (or `load_plan`), which
names the field of a damaged plan. The command line of a task names only the plan and the task
id, so no path or mapping ever has to survive a shell. Node-side paths in it start with
`nodemap.ROOT_TOKEN`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from azure_batch_maya.node.imagenames import ImageNaming
from azure_batch_maya.node.nodemap import ROOT_TOKEN, NodeMapping, PlanError

PLAN_VERSION = 1
PLAN_FILE = "plan.json"
MANIFEST_FILE = "manifest.json"
SHIP_DIR = "azbm"  # below the job preparation folder: the shipped code, plan and manifest
ASSETS_DIR = "assets"  # below the job preparation folder: the asset project's files
IMAGES_DIR = "images"  # below the task's working folder: what the task renders
GLOBALS_PREFIX_PLUG = "defaultRenderGlobals.imageFilePrefix"
T = TypeVar("T")


@dataclass(frozen=True)
class PathFile:
    """A file the renderer reads its path mapping from, named by an environment variable."""

    env: str
    name: str
    text: str  # with ROOT_TOKEN where the node's root goes
    json_text: bool  # whether the root must be JSON-escaped when put in


def frame_text(frame: float) -> str:
    """A frame as Maya's commands and our command lines take it: `12`, or `12.5` for a
    sub-frame (never `12.0`)."""
    return str(int(frame)) if float(frame).is_integer() else str(frame)


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
    """What every task of a job needs to know on its node, and nothing secret."""

    job_id: str
    scene: str  # node path (ROOT_TOKEN-rooted)
    renderer: str  # the scene's currentRenderer value
    naming: ImageNaming
    pathmap: NodeMapping  # node paths ROOT_TOKEN-rooted: `pathmap.rooted(root)` on the node
    tasks: Mapping[str, TaskEntry]  # by task id, in the job's order
    plugins: tuple[str, ...] = ()  # Maya plug-ins to load before the scene opens
    path_files: tuple[PathFile, ...] = ()
    command: tuple[str, ...] | None = None  # a render command template instead of mayapy
    renderer_options: Mapping[str, str] = field(default_factory=dict)
    # the attribute the renderer names its images from (V-Ray reads its own)
    prefix_plug: str = GLOBALS_PREFIX_PLUG

    def task(self, task_id: str) -> TaskEntry:
        try:
            return self.tasks[task_id]
        except KeyError:
            raise PlanError(f"task {task_id!r} is not in the plan of job {self.job_id}") from None

    def to_json(self) -> str:
        """The plan file's text: pure ASCII, so any path survives any node's encoding."""
        m = self.pathmap
        data = {
            "version": PLAN_VERSION,
            "job_id": self.job_id,
            "scene": self.scene,
            "renderer": self.renderer,
            "plugins": list(self.plugins),
            "naming": {
                "prefix": self.naming.prefix,
                "extension": self.naming.extension,
                "padding": self.naming.padding,
                "prefix_plug": self.prefix_plug,
            },
            "pathmap": {
                "workspace": m.workspace,
                "dirs": [list(d) for d in m.dirs],
                "files": [list(f) for f in m.files],
                "remaps": [list(r) for r in m.remaps],
                "ocio": m.ocio,
            },
            "path_files": [
                {"env": f.env, "name": f.name, "text": f.text, "json": f.json_text}
                for f in self.path_files
            ],
            "command": list(self.command) if self.command else None,
            "renderer_options": dict(self.renderer_options),
            "tasks": [
                {
                    "id": t.id,
                    "frames": list(t.frames),
                    "layers": list(t.layers),
                    "cameras": list(t.cameras),
                    "images": list(t.images),
                }
                for t in self.tasks.values()
            ],
        }
        return json.dumps(data, indent=1, ensure_ascii=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Plan:
        """Read a plan's text; `PlanError` names the field that is missing or wrong."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"the plan is not JSON ({exc}); submit the job again") from None
        top = _Fields(data, "the plan")
        version = top.optional("version", _any)
        if version != PLAN_VERSION:
            raise PlanError(
                f"plan version {version!r} is not {PLAN_VERSION}: the node scripts and the "
                "job were made by different versions of azure-batch-maya; submit again"
            )
        naming = top.object("naming")
        pathmap = top.object("pathmap")
        tasks = [_task(_Fields(t, f"tasks[{i}]")) for i, t in enumerate(top.get("tasks", _list))]
        command = top.optional("command", _strings)
        return cls(
            job_id=top.get("job_id", _str),
            scene=top.get("scene", _rooted),
            renderer=top.get("renderer", _str),
            naming=ImageNaming(
                naming.get("prefix", _str),
                naming.get("extension", _str),
                naming.get("padding", _int),
            ),
            pathmap=NodeMapping(
                workspace=pathmap.optional("workspace", _str),
                dirs=pathmap.get("dirs", _pairs),
                files=pathmap.optional("files", _pairs) or (),
                remaps=pathmap.optional("remaps", _pairs) or (),
                ocio=pathmap.optional("ocio", _str),
            ),
            tasks={t.id: t for t in tasks},
            plugins=top.optional("plugins", _strings) or (),
            path_files=tuple(
                _path_file(_Fields(f, f"path_files[{i}]"))
                for i, f in enumerate(top.optional("path_files", _list) or [])
            ),
            command=command or None,
            renderer_options=top.optional("renderer_options", _str_map) or {},
            prefix_plug=naming.optional("prefix_plug", _str) or GLOBALS_PREFIX_PLUG,
        )


def load_plan(path: Path) -> Plan:
    """Read a plan file; `PlanError` names what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(
            f"plan {path} is missing: the job preparation task did not fetch it"
        ) from None
    except (OSError, ValueError) as exc:
        raise PlanError(f"plan {path} is unreadable: {exc}") from None
    try:
        return Plan.from_json(text)
    except PlanError as exc:
        raise PlanError(f"plan {path}: {exc}") from None


def _task(fields: _Fields) -> TaskEntry:
    return TaskEntry(
        fields.get("id", _str),
        fields.get("frames", _numbers),
        fields.get("layers", _strings),
        fields.get("cameras", _strings),
        fields.get("images", _strings),
    )


def _path_file(fields: _Fields) -> PathFile:
    return PathFile(
        fields.get("env", _str),
        fields.get("name", _str),
        fields.get("text", _str),
        fields.get("json", _bool),
    )


class _Fields:
    """One JSON object of the plan, read field by field with the field's place in errors."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise PlanError(f"{where} is damaged: not a JSON object; submit the job again")
        self.data, self.where = data, where

    def get(self, key: str, read: Callable[[Any], T]) -> T:
        if key not in self.data:
            raise PlanError(f"{self._at(key)} is missing from the plan; submit the job again")
        return self._read(key, read)

    def optional(self, key: str, read: Callable[[Any], T]) -> T | None:
        return None if self.data.get(key) is None else self._read(key, read)

    def object(self, key: str) -> _Fields:
        return _Fields(self.get(key, _any), self._at(key))

    def _read(self, key: str, read: Callable[[Any], T]) -> T:
        try:
            return read(self.data[key])
        except (TypeError, ValueError) as exc:
            raise PlanError(
                f"{self._at(key)} in the plan is damaged ({exc}); submit the job again"
            ) from None

    def _at(self, key: str) -> str:
        return key if self.where == "the plan" else f"{self.where}.{key}"


def _any(value: Any) -> Any:
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r:.60} is not a string")
    return value


def _rooted(value: Any) -> str:
    """A node path under the job's asset root: anything else names a file only the submitting
    machine has, which Maya on the node would fail to open with a vaguer message."""
    path = _str(value)
    if not path.startswith(ROOT_TOKEN):
        raise ValueError(f"{path!r:.80} is not under the job's files ({ROOT_TOKEN}/…)")
    return path


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{value!r:.60} is not true or false")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r:.60} is not a whole number")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise TypeError(f"{value!r:.60} is not a list")
    return value


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(_str(v) for v in _list(value))


def _numbers(value: Any) -> tuple[float, ...]:
    items = _list(value)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in items):
        raise TypeError(f"{value!r:.60} is not a list of numbers")
    return tuple(float(v) for v in items)


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    pairs = tuple(_strings(v) for v in _list(value))
    if any(len(p) != 2 for p in pairs):
        raise TypeError(f"{value!r:.60} is not a list of [from, to] pairs")
    return tuple((a, b) for a, b in pairs)


def _str_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError(f"{value!r:.60} is not a JSON object")
    return {_str(k): _str(v) for k, v in value.items()}


def root_text(path_file: PathFile, root: str) -> str:
    """The path file's text with the node's real root put in."""
    root = root.replace("\\", "/").rstrip("/")
    value = json.dumps(root)[1:-1] if path_file.json_text else root
    return path_file.text.replace(ROOT_TOKEN, value)
