"""Assets: the reference table, a missing texture fixed by a search path, choices kept per
scene, and an upload to Azurite with progress."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services.errors import TransferCancelledError
from tests.fixtures.settle import settle


def scanned(session: Session) -> AssetsController:
    assets = AssetsController(session)
    assets.apply_scan(assets.scan())
    return assets


def test_a_missing_texture_is_found_after_adding_its_folder(home, example, scene):
    assets = scanned(Session(scene))
    (missing,) = assets.missing
    assert missing.written.endswith("concrete_diffuse.png")
    assert "search path" in missing.tooltip
    assert assets.result is not None
    assert [f.code for f in assets.result.findings if f.level == "error"] == ["missing-asset"]
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    assert assets.missing == ()
    row = next(r for r in assets.rows if r.written.endswith("concrete_diffuse.png"))
    assert row.tooltip.startswith("Found under a search path")
    wood = next(r for r in assets.rows if r.written.endswith("wood_albedo.png"))
    assert wood.found and wood.tooltip.startswith("Found")
    # the choice is kept for the scene: a new controller on the same scene sees it
    assert AssetsController(Session(scene)).choices.search_paths == (
        str(example / "texture_library"),
    )


def test_deselected_and_added_files_change_the_project(home, example, scene, tmp_path):
    session = Session(scene)
    assets = scanned(session)
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    wood = next(r for r in assets.rows if r.written.endswith("wood_albedo.png"))
    extra = tmp_path / "notes.txt"
    extra.write_text("lighting notes")
    assets.add_paths([str(extra)])
    assets.set_selected(wood, False)
    assert not next(r for r in assets.rows if r.key == wood.key).selected
    added = next(r for r in assets.rows if r.added)
    assert added.found and added.written == str(extra)
    project = assets.build_project()
    locals_ = {f.local for f in project.files}
    assert wood.key not in locals_
    assert str(extra) in locals_
    assets.set_selected(wood, True)
    assert wood.key in {f.local for f in assets.build_project().files}


def test_the_project_name_defaults_to_the_maya_project_and_can_be_changed(home, scene):
    assets = AssetsController(Session(scene))
    assert assets.project_name == "shot010"
    assets.set_project_name("Shot 010 (final)")
    assets.apply_scan(assets.scan())
    assert assets.build_project().name == "shot-010-final"


def test_upload_then_submit_builds_the_project_once_until_a_file_changes(home, scene, example):
    settle(example)
    assets = scanned(Session(scene))
    first = assets.build_project()  # the Assets tab's Upload
    assert assets.build_project() is first  # the Submit tab's Submit, nothing changed
    wood = next(f for f in first.files if f.local.endswith("wood_albedo.png"))
    Path(wood.local).write_bytes(b"repainted since the upload")
    then = assets.build_project()
    new = next(f for f in then.files if f.local == wood.local)
    assert new.sha256 == hashlib.sha256(b"repainted since the upload").hexdigest() != wood.sha256


def test_a_new_scene_clears_the_table(home, scene):
    session = Session(scene)
    assets = scanned(session)
    assert assets.rows
    session.set_scene(None)
    assert assets.rows == () and assets.result is None
    with pytest.raises(RuntimeError, match="no scene"):
        assets.scan()


@pytest.mark.slow
def test_upload_sends_the_files_then_nothing_the_second_time(connected, example, scene):
    connected.set_scene(scene)
    assets = scanned(connected)
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    seen: list[tuple[int, int]] = []
    first = assets.upload(progress=lambda done, total: seen.append((done, total)))
    assert first.uploaded_files + first.skipped_files == 13
    if first.uploaded_files:
        assert seen and seen[-1][0] == seen[-1][1] == first.uploaded_bytes
    second = assets.upload()
    assert second.uploaded_files == 0 and second.skipped_files == 13


@pytest.mark.slow
def test_a_cancelled_upload_stops(connected, example, scene, tmp_path):
    connected.set_scene(scene)
    assets = scanned(connected)
    big = tmp_path / "big.bin"
    big.write_bytes(b"\x01" * (12 * 1024 * 1024))
    assets.add_paths([str(big)])
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TransferCancelledError):
        assets.upload(cancel=cancel)


def test_a_scan_started_before_a_search_path_was_added_is_dropped(home, example, scene):
    assets = AssetsController(Session(scene))
    stale = assets.scan()
    assets.add_search_path(str(example / "texture_library"))
    fresh = assets.scan()
    assets.apply_scan(fresh)
    assets.apply_scan(stale)  # finishing last must not bring the missing texture back
    assert assets.result is fresh and assets.missing == ()
