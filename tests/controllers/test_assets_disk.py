"""The Assets tab touches no disk on the interface's thread: a click that changes the choices
saves them through `save_later` (the view's worker), one write at a time and newest last, and
files added by hand are looked at by the scan. A path on an unreachable server can take many
seconds to say it is gone; Maya would hang that long on each click."""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.controllers import assets as assets_module
from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.settings import assetchoices
from azure_batch_maya.settings.assetchoices import load_choices


class Disk:
    """The threads on which the choices were saved and the added files looked at."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, watched: Path) -> None:
        self.threads: list[tuple[str, str]] = []
        self.hold_first_save = False
        self.first_save_started = threading.Event()
        self.release_first_save = threading.Event()
        self.fail_next_save = False
        real_save = assetchoices.save_choices
        real_exists = Path.exists

        def save(*args: Any) -> Path:
            self.threads.append(("save", threading.current_thread().name))
            first = len([t for t in self.threads if t[0] == "save"]) == 1
            if first and self.hold_first_save:
                self.first_save_started.set()
                assert self.release_first_save.wait(10)
            if self.fail_next_save:
                self.fail_next_save = False
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_save(*args)

        def exists(path: Path, *args: Any, **kwargs: Any) -> bool:
            if watched in path.parents:
                self.threads.append(("exists", threading.current_thread().name))
            return real_exists(path, *args, **kwargs)

        monkeypatch.setattr(assets_module, "save_choices", save)
        monkeypatch.setattr(Path, "exists", exists)

    def on(self, thread: str) -> list[str]:
        return [what for what, name in self.threads if name == thread]


def on_worker(write: Callable[[], None], started: list[threading.Thread]) -> None:
    worker = threading.Thread(target=write, name="worker")
    started.append(worker)
    worker.start()


def test_clicks_save_on_the_worker_and_added_files_are_looked_at_by_the_scan(
    home: Path, scene: SceneInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch, tmp_path)
    workers: list[threading.Thread] = []
    assets = AssetsController(Session(scene))
    assets.save_later = lambda write: on_worker(write, workers)
    plate = tmp_path / "plate.exr"
    plate.write_bytes(b"plate")
    gone = tmp_path / "gone.exr"
    assets.add_paths([str(plate), str(gone)])
    scan: list[Any] = []
    scanner = threading.Thread(target=lambda: scan.append(assets.scan()), name="worker")
    scanner.start()
    scanner.join()
    assets.apply_scan(scan[0])
    added = {Path(r.written).name: r for r in assets.rows if r.added}
    assert added["plate.exr"].found and not added["gone.exr"].found
    assert "gone.exr does not exist" in added["gone.exr"].tooltip

    wood = next(r for r in assets.rows if r.written.endswith("wood_albedo.png"))
    assets.set_selected(wood, False)
    assets.set_project_name("shot010-v2")
    assets.add_search_path(str(tmp_path))
    for worker in workers:
        worker.join()
    assert disk.on("MainThread") == []
    assert set(disk.on("worker")) == {"save", "exists"}
    saved = load_choices(scene.scene)
    assert saved == assets.choices and saved.project_name == "shot010-v2"
    assert saved.deselected == (wood.key,) and saved.search_paths == (str(tmp_path),)


def test_an_older_slow_write_never_overwrites_newer_choices(
    home: Path, scene: SceneInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch, tmp_path)
    disk.hold_first_save = True
    workers: list[threading.Thread] = []
    assets = AssetsController(Session(scene))
    assets.save_later = lambda write: on_worker(write, workers)
    assets.set_project_name("first")
    assert disk.first_save_started.wait(10)  # the first write is under way, and held
    assets.set_project_name("second")
    disk.release_first_save.set()
    for worker in workers:
        worker.join()
    assert load_choices(scene.scene).project_name == "second"


def test_a_failed_write_is_kept_and_made_by_the_next(
    home: Path, scene: SceneInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = Disk(monkeypatch, tmp_path)
    assets = AssetsController(Session(scene))  # saves at once, as the CLI and tests do
    disk.fail_next_save = True
    with pytest.raises(OSError, match="No space left"):
        assets.add_search_path(str(tmp_path))
    assert load_choices(scene.scene).search_paths == ()  # nothing half-written
    assets.write_choices()  # space again: the kept choices go first
    assert load_choices(scene.scene).search_paths == (str(tmp_path),)


def test_choices_waiting_to_be_written_survive_a_change_of_scene(
    home: Path, scene: SceneInfo, tmp_path: Path
) -> None:
    """The worker pool may be busy (an upload, a scan) when the artist changes a choice and
    opens another scene: each scene's choices are written, and reopening the first shows the
    choices not written yet rather than the file's older ones."""
    queued: list[Callable[[], None]] = []
    session = Session(scene)
    assets = AssetsController(session)
    assets.save_later = queued.append  # the writes wait, as on a busy pool
    other = replace(scene, scene=str(tmp_path / "shot020.ma"))
    assets.set_project_name("A-second")
    session.set_scene(other)
    assets.set_project_name("B-name")
    session.set_scene(scene)
    assert assets.choices.project_name == "A-second"
    for write in queued:
        write()
    assert load_choices(scene.scene).project_name == "A-second"
    assert load_choices(other.scene).project_name == "B-name"


def test_a_scan_started_before_a_file_was_added_does_not_undo_the_later_one(
    home: Path, scene: SceneInfo, tmp_path: Path
) -> None:
    assets = AssetsController(Session(scene))
    older = assets.scan()
    gone = tmp_path / "gone.exr"
    assets.add_paths([str(gone)])
    newer = assets.scan()
    assets.apply_scan(newer)
    assert [r.found for r in assets.rows if r.added] == [False]
    assets.apply_scan(older)  # a worker that was slower
    assert assets.result is newer and [r.found for r in assets.rows if r.added] == [False]
