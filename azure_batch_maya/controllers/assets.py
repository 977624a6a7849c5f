"""The Assets tab: every external file the scene needs, found or not, and the asset project.

Scanning (walking folders) and building the project (hashing files) are slow and return values
the view hands back with `apply_scan`; the choices a person makes (search paths, added and
deselected files, the project's name) are saved per scene through `settings/assetchoices.py`.
Nothing here touches the disk on the interface's thread: a click that changes the choices hands
their saving to `save_later` (the view's worker), and files added by hand are looked at by the
scan, since a path on an unreachable server can take many seconds to say it is gone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.frames import FrameSpecError, from_range
from azure_batch_maya.assets.project import AssetProject, default_project_name
from azure_batch_maya.assets.projectcache import cached_project
from azure_batch_maya.assets.resolve import MAYA_RESOURCES, Resolution, resolve_scene
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.validation import Finding, validate
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services.storage import Progress
from azure_batch_maya.settings.assetchoices import load_choices, save_choices
from azure_batch_maya.transfer.upload import UploadReport, upload_project

RULE_TEXT = {
    "as_written": "Found where the scene says",
    "project_reroot": "Found under this project, moved from where the scene says",
    "scene_folder": "Found beside the scene",
    "sourceimages": "Found in the project's sourceimages folder",
    "working_dir": "Found in the working folder",
    "search_path": "Found under a search path",
    MAYA_RESOURCES: "Ships with Maya: not uploaded",
}


@dataclass(frozen=True)
class AssetRow:
    """One line of the reference table."""

    node: str
    attribute: str
    written: str  # the path as the scene writes it
    found: bool
    local: str  # where it was found (a pattern for a sequence), or "" when missing
    files: tuple[str, ...]
    tooltip: str  # the rule that found it, or why it was not found
    selected: bool = True
    added: bool = False  # added by hand rather than referenced by the scene

    @property
    def key(self) -> str:
        """What deselecting this row leaves out (its folder for a sequence, else its file)."""
        if self.added:
            return self.written
        return self.files[0] if len(self.files) == 1 else self.local


@dataclass(frozen=True)
class ScanResult:
    scene: SceneInfo
    resolutions: tuple[Resolution, ...]
    findings: tuple[Finding, ...]
    search_paths: tuple[str, ...] = ()  # what it searched: a later scan may know more
    added: tuple[str, ...] = ()  # the files added by hand it looked at
    added_missing: frozenset[str] = frozenset()  # those of them not there


class AssetsController:
    """Holds the scene's rows and choices; slow steps are `scan`, `build_project` and `upload`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.choices = AssetChoices()
        self.result: ScanResult | None = None
        self.rows: tuple[AssetRow, ...] = ()
        self.changed: Event[AssetsController] = Event()
        # How `write_choices` is run: at once here (the CLI, tests); the view, on its worker.
        self.save_later: Callable[[Callable[[], None]], None] = lambda write: write()
        self._unsaved: dict[str, AssetChoices] = {}  # scene → its newest unsaved choices
        self._unsaved_lock = threading.Lock()
        self._writing = threading.Lock()
        self.session.scene_changed.connect(self._scene_changed)
        self._scene_changed(session.scene)

    # Choices ----------------------------------------------------------------------------------

    @property
    def project_name(self) -> str:
        if self.choices.project_name:
            return self.choices.project_name
        return default_project_name(self.session.scene) if self.session.scene else ""

    def set_project_name(self, name: str) -> None:
        self._choose(replace(self.choices, project_name=name.strip() or None))

    def add_search_path(self, folder: str) -> None:
        """A folder to search (with its subfolders) for missing files; `scan` again after."""
        folder = os.path.abspath(folder)  # noqa: PTH100
        if folder not in self.choices.search_paths:
            self._choose(replace(self.choices, search_paths=(*self.choices.search_paths, folder)))

    def remove_search_path(self, folder: str) -> None:
        kept = tuple(p for p in self.choices.search_paths if p != folder)
        self._choose(replace(self.choices, search_paths=kept))

    def add_paths(self, paths: list[str]) -> None:
        """Files or folders to send though the scene does not name them."""
        new = [os.path.abspath(p) for p in paths]  # noqa: PTH100
        added = tuple(dict.fromkeys([*self.choices.added, *new]))
        self._choose(replace(self.choices, added=added))

    def set_selected(self, row: AssetRow, selected: bool) -> None:
        """Leave a row's file out of the upload (or take it back in)."""
        deselected = [p for p in self.choices.deselected if p != row.key]
        if not selected:
            deselected.append(row.key)
        self._choose(replace(self.choices, deselected=tuple(deselected)))

    # Slow steps (worker thread) ---------------------------------------------------------------

    def scan(self) -> ScanResult:
        """Resolve every reference with the current search paths, and validate. Slow."""
        scene = self.session.require_scene()
        choices = self.choices
        try:
            frames = from_range(scene.frames).int_frames()
        except FrameSpecError:
            frames = frozenset()  # the scene's range is too long: validation says so
        resolutions = resolve_scene(
            scene, search_paths=choices.search_paths, frames=frames, read_scene=_read_referenced
        )
        findings = validate(scene, resolutions, choices=choices)
        missing = frozenset(p for p in choices.added if not Path(p).exists())
        return ScanResult(
            scene, resolutions, findings, choices.search_paths, choices.added, missing
        )

    def build_project(self) -> AssetProject:
        """The files to send with their hashes. Slow the first time; Upload then Submit with
        nothing changed builds once (`assets/projectcache.py`)."""
        if self.result is None:
            raise RuntimeError("scan the scene first")
        return cached_project(self.result.scene, self.result.resolutions, self.choices)

    def write_choices(self) -> None:
        """Save each scene's newest unsaved choices. Any thread; calls run one at a time, so an
        older call never writes over newer choices. A failed write stays pending for the next."""
        with self._writing:
            with self._unsaved_lock:
                pending, self._unsaved = self._unsaved, {}
            failures: list[OSError] = []
            for scene, choices in pending.items():
                try:
                    save_choices(scene, choices)
                except OSError as exc:
                    failures.append(exc)
                    with self._unsaved_lock:
                        self._unsaved.setdefault(scene, choices)  # unless newer ones came
            if failures:
                raise failures[0]

    def upload(
        self,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
    ) -> UploadReport:
        """Send what storage lacks now, so a later Submit has nothing left to send. Slow."""
        connection = self.session.require_connection()
        project = self.build_project()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
        return upload_project(
            connection.blobs,
            project,
            f"{project.name}-upload-{stamp}",
            progress=progress,
            cancel=cancel,
        )

    # Main thread ------------------------------------------------------------------------------

    def apply_scan(self, result: ScanResult) -> None:
        if result.scene is not self.session.scene:
            return  # a scan of a scene that has since been replaced
        if (result.search_paths, result.added) != (
            self.choices.search_paths,
            self.choices.added,
        ):
            return  # started before a search path or a file was added; the scan after will do
        self.result = result
        self.rows = self._rows(result)
        self.changed.emit(self)

    @property
    def missing(self) -> tuple[AssetRow, ...]:
        return tuple(r for r in self.rows if not r.found)

    def _rows(self, result: ScanResult) -> tuple[AssetRow, ...]:
        rows: list[AssetRow] = []
        seen: set[tuple[str, str, str]] = set()
        for res in result.resolutions:
            ref = res.ref
            if (ref.node, ref.attribute, ref.path) in seen:
                continue
            seen.add((ref.node, ref.attribute, ref.path))
            via = f" (through {' → '.join(res.via)})" if res.via else ""
            if res.found:
                tip = RULE_TEXT.get(res.rule or "", res.rule or "") + via
                if res.resolved:
                    tip += f":\n{res.resolved}"
                if len(res.files) > 1:
                    tip += f"\n{len(res.files)} files"
            else:
                tip = res.message
            row = AssetRow(
                ref.node, ref.attribute, ref.path, res.found, res.resolved or "", res.files, tip
            )
            rows.append(replace(row, selected=row.key not in self.choices.deselected))
        for path in self.choices.added:  # looked at by the scan, or since picked in a dialog
            exists = path not in result.added_missing
            tip = "Added by hand" if exists else f"Added by hand, but {path} does not exist"
            row = AssetRow("(added)", "", path, exists, path, (path,), tip, added=True)
            rows.append(replace(row, selected=path not in self.choices.deselected))
        return tuple(rows)

    def _choose(self, choices: AssetChoices) -> None:
        self.choices = choices
        scene = self.session.scene
        if scene is not None:
            with self._unsaved_lock:
                self._unsaved[scene.scene] = choices
            self.save_later(self.write_choices)
        if self.result is not None:
            self.rows = self._rows(self.result)
        self.changed.emit(self)

    def _scene_changed(self, scene: SceneInfo | None) -> None:
        with self._unsaved_lock:  # choices not written yet are newer than the file's
            unsaved = self._unsaved.get(scene.scene) if scene is not None else None
        if unsaved is not None:
            self.choices = unsaved
        else:
            self.choices = load_choices(scene.scene) if scene is not None else AssetChoices()
        self.result = None
        self.rows = ()
        self.changed.emit(self)


def _read_referenced(path: str) -> SceneInfo:
    from azure_batch_maya.scene.ma_reader import read_ma

    return read_ma(path)
