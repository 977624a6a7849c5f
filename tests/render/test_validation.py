from __future__ import annotations

import sys
from pathlib import Path

import pytest

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.frames import parse_frames
from azure_batch_maya.assets.resolve import Resolution, resolve_scene
from azure_batch_maya.render.validation import has_errors, validate
from azure_batch_maya.scene.model import (
    Camera,
    FileRef,
    FrameRange,
    PluginRequirement,
    RenderLayer,
    SceneInfo,
)

GOOD = SceneInfo(
    scene="/nowhere/s.ma",
    renderer="arnold",
    frames=FrameRange(1, 10, 1),
    animation=True,
    image_prefix="<Scene>/<RenderLayer>",
    layers=(RenderLayer("defaultRenderLayer"), RenderLayer("rs_fg")),
    cameras=(Camera("camShape", "cam", renderable=True),),
    plugins=(PluginRequirement("mtoa", "5.3"),),
)


def codes(scene: SceneInfo, **kw) -> list[tuple[str, str]]:
    return [(f.level, f.code) for f in validate(scene, resolve_scene(scene, env={}), **kw)]


def with_(**changes) -> SceneInfo:
    return SceneInfo(**{**GOOD.__dict__, **changes})


def test_a_good_scene_has_no_findings():
    assert codes(GOOD) == []


def test_render_settings_checks():
    assert codes(with_(cameras=(Camera("c", "c", renderable=False),))) == [("error", "no-camera")]
    off = (RenderLayer("defaultRenderLayer", renderable=False),)
    assert codes(with_(layers=off)) == [("error", "no-layer")]
    assert codes(with_(image_prefix="shots/<Scene>")) == [("error", "layers-overwrite")]
    assert codes(with_(renumber_frames=True)) == [("warning", "renumber-frames")]
    assert codes(with_(renderer="mentalRay")) == [("error", "unsupported-renderer")]
    assert codes(with_(frames=FrameRange(10, 1, 1))) == [("error", "frame-range")]
    assert codes(with_(frames=FrameRange(1, 10, 0))) == [("error", "frame-range")]
    assert codes(with_(animation=False)) == [("notice", "single-frame")]
    assert codes(with_(animation=False), frames=parse_frames("1-3")) == []
    turtle = (PluginRequirement("Turtle", "2017"), PluginRequirement("stereoCamera", "10.0"))
    assert codes(with_(plugins=turtle)) == [("warning", "unknown-plugin")]


def test_errors_come_first_and_messages_say_what_to_do():
    scene = with_(renumber_frames=True, renderer="mentalRay", animation=False)
    findings = validate(scene, ())
    assert [f.level for f in findings] == ["error", "warning", "notice"]
    assert "switch Render Settings to one of: Maya Software (mayaSoftware)" in findings[0].message
    assert has_errors(findings)


def test_asset_findings(tmp_path: Path):
    proj = tmp_path / "p"
    for rel in ["images/beauty.exr", "sourceimages/a/x.tif", "sourceimages/b/x.tif",
                "cache/c.0001.abc"]:  # fmt: skip
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_bytes(b"")
    refs = (
        FileRef("gone", "file", "ftn", "C:/x/missing.tif"),
        FileRef("empty", "file", "ftn", ""),
        FileRef("dup", "file", "ftn", "C:/x/x.tif"),
        FileRef("out", "file", "ftn", "images/beauty.exr"),
        FileRef("seq", "gpuCache", "cfn", "cache/c.####.abc"),
    )
    scene = with_(scene=str(proj / "s.ma"), project_root=str(proj), references=refs)
    res = resolve_scene(scene, frames=frozenset({1, 2}), env={})
    found = {f.code: f for f in validate(scene, res)}
    assert found["missing-asset"].level == "error"
    assert "C:/x/missing.tif not found" in found["missing-asset"].message
    assert found["empty-path"].level == "notice"
    assert found["ambiguous-asset"].level == "warning"
    assert str(proj / "sourceimages" / "b" / "x.tif") in found["ambiguous-asset"].message
    assert "inside the output folder" in found["asset-in-output"].message
    assert "rendered frame(s) 2" in found["missing-frames"].message


def test_choices_that_point_nowhere(tmp_path: Path):
    choices = AssetChoices(
        search_paths=(str(tmp_path), str(tmp_path / "typo")),
        added=(str(tmp_path / "gone.tif"),),
    )
    found = validate(GOOD, (), choices=choices)
    assert [(f.level, f.code) for f in found] == [
        ("warning", "search-path-missing"),
        ("warning", "added-missing"),
    ]
    assert str(tmp_path / "typo") in found[0].message


def test_a_renderer_outside_the_table_is_an_error_naming_the_supported_ones():
    (finding,) = validate(with_(renderer="renderman"), ())
    assert (finding.level, finding.code) == ("error", "unsupported-renderer")
    assert "'renderman'" in finding.message and "V-Ray (vray)" in finding.message


def test_cameras_that_would_write_the_same_files_are_an_error():
    two = (Camera("aShape", "camA", renderable=True), Camera("bShape", "camB", renderable=True))
    assert codes(with_(cameras=two)) == [("error", "cameras-overwrite")]
    message = validate(with_(cameras=two), ())[0].message
    assert "camA, camB" in message and "<Camera>" in message
    assert codes(with_(cameras=two, image_prefix="<RenderLayer>/<Camera>/<Scene>")) == []
    assert codes(with_(cameras=two, image_prefix="<RenderLayer>/%c")) == []
    # an empty prefix gets Maya's own <RenderLayer>/<Camera> folders (docs/rendering.md)
    assert codes(with_(cameras=two, image_prefix="")) == []


def test_frame_ranges_beyond_what_a_job_holds_are_an_error_at_once():
    found = validate(with_(frames=FrameRange(1, 1e8, 1)), ())
    assert [(f.level, f.code) for f in found] == [("error", "frame-range")]
    assert "more than 100,000 frames" in found[0].message and "--frames" in found[0].message
    assert "out of range" in validate(with_(frames=FrameRange(1, 1e12, 1)), ())[0].message
    assert codes(with_(frames=FrameRange(1, float("inf"), 1))) == [("error", "frame-range")]


def _project_with(tmp_path: Path, *refs: FileRef) -> tuple[SceneInfo, list[Resolution]]:
    proj = tmp_path / "proj"
    (proj / "sourceimages").mkdir(parents=True)
    scene = with_(scene=str(proj / "s.ma"), project_root=str(proj), references=refs)
    return scene, list(resolve_scene(scene, env={}))


def test_files_outside_the_project_and_search_paths_are_listed(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.tif").write_bytes(b"x")
    (elsewhere / "near.tif").write_bytes(b"x")
    refs = (
        FileRef("far", "file", "ftn", str(elsewhere / "far.tif")),
        FileRef("near", "file", "ftn", str(elsewhere / "near.tif")),
    )
    scene, res = _project_with(tmp_path, *refs)
    found = {f.code: f for f in validate(scene, res)}
    assert found["outside-project"].level == "warning"
    assert "2 file(s) outside the project" in found["outside-project"].message
    assert str(elsewhere / "far.tif") in found["outside-project"].message
    with_search = AssetChoices(search_paths=(str(elsewhere),))
    assert "outside-project" not in {f.code for f in validate(scene, res, choices=with_search)}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX system folders and symlinks")
def test_system_folders_are_an_error_and_links_say_where_they_lead(tmp_path: Path):
    scene, res = _project_with(tmp_path, FileRef("pw", "file", "ftn", "/etc/hostname"))
    link = Path(scene.project_root or "") / "sourceimages" / "innocent.tif"
    link.symlink_to("/etc/hostname")
    scene, res = _project_with_existing(scene, FileRef("ln", "file", "ftn", str(link)))
    found = validate(scene, res)
    errors = [f for f in found if f.code == "system-file"]
    assert {e.level for e in errors} == {"error"} and len(errors) == 2
    assert any("/etc/hostname is in the system folder /etc" in e.message for e in errors)
    (notice,) = [f for f in found if f.code == "symlink"]
    assert f"{link} is a symbolic link to /etc/hostname" in notice.message


def _project_with_existing(scene: SceneInfo, ref: FileRef) -> tuple[SceneInfo, list[Resolution]]:
    scene = with_(**{**scene.__dict__, "references": (*scene.references, ref)})
    return scene, list(resolve_scene(scene, env={}))


@pytest.mark.skipif(sys.platform == "win32", reason="mkfifo and /dev/zero")
def test_a_pipe_or_a_device_named_as_a_texture_is_an_error_not_a_hang(tmp_path: Path):
    import os

    fifo = tmp_path / "proj" / "sourceimages" / "pipe.tif"
    scene, _ = _project_with(tmp_path)
    os.mkfifo(fifo)
    scene, res = _project_with_existing(scene, FileRef("p", "file", "ftn", str(fifo)))
    scene, res = _project_with_existing(scene, FileRef("z", "file", "ftn", "/dev/zero"))
    found = [f for f in validate(scene, res) if f.code == "not-a-file"]
    assert {f.level for f in found} == {"error"}
    assert {f.message.split(" is not")[0] for f in found} == {str(fifo), "/dev/zero"}
