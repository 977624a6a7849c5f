"""The real public scenes: every reference gets a rule or a clear reason, and nothing crashes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from azure_batch_maya.app.scan import scan_json
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.render.validation import validate
from azure_batch_maya.scene.ma_reader import read_ma


def test_every_reference_of_every_shared_scene(shared_scenes: Path, tmp_path: Path):
    scenes = sorted(shared_scenes.glob("*.ma"))
    assert scenes
    for path in scenes:
        info = read_ma(path)
        results = resolve_scene(info, working_dir=str(tmp_path), env={}, frames=frozenset({1}))
        assert len(results) == len(info.references), path.name
        for res in results:
            if res.found:
                assert res.rule == "maya_resources" or res.files, (path.name, res.ref)
            else:
                assert "not found" in res.message or "has no file set" in res.message
                assert res.ref.node in res.message
        data = scan_json(info, results, validate(info, results))
        plain = info.to_json()["references"]
        assert [{k: r[k] for k in plain[0]} for r in data["references"]] == plain


def test_arnold_token_scene_in_a_real_project(shared_scenes: Path, tmp_path: Path):
    proj = tmp_path / "proj"
    (proj / "scenes").mkdir(parents=True)
    (proj / "workspace.mel").write_text("")
    scene = proj / "scenes" / "test.ma"
    shutil.copyfile(shared_scenes / "12_arnold_tokens_test.ma", scene)
    names = ["mari.1001.tif", "mari.1002.tif", "mudbox._u1_v1.tif", "mudbox._u2_v1.tif"]
    (proj / "test").mkdir()
    for name in names:
        (proj / "test" / name).write_bytes(b"")
    info = read_ma(scene)
    assert info.project_root == str(proj)
    got = {r.ref.node: r for r in resolve_scene(info, working_dir=str(tmp_path), env={})}
    mari = [str(proj / "test" / n) for n in names[:2]]
    mudbox = [str(proj / "test" / n) for n in names[2:]]
    assert list(got["file_udim"].files) == mari and got["file_udim"].rule == "as_written"
    assert list(got["file_tile"].files) == mudbox
    assert list(got["file_utile_vtile"].files) == mudbox
    assert list(got["file_attr"].files) == mari  # <attr:…> stands for any value
    assert list(got["file_shapeName"].files) == mari


@pytest.mark.parametrize("name", ["11_scene2_rmWalls.ma", "15_fireworkds and flag.ma"])
def test_default_ocio_config_needs_no_upload(shared_scenes: Path, tmp_path: Path, name: str):
    info = read_ma(shared_scenes / name)
    results = resolve_scene(info, working_dir=str(tmp_path), env={})
    ocio = [r for r in results if r.ref.attribute == "cfp"]
    assert ocio and all(r.rule == "maya_resources" and not r.needs_upload for r in ocio)
