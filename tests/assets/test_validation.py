from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.frames import parse_frames
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.assets.validation import has_errors, validate
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
