from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.assets.workspace import file_rules, parse_file_rules, rule_folder
from azure_batch_maya.render.validation import validate
from azure_batch_maya.scene.model import Camera, FileRef, SceneInfo

WORKSPACE = """//Maya 2025 Project Definition

workspace -fr "images" "renders/final";
workspace -fileRule "sourceImages" "textures";
workspace -fr "scene" "scenes";
workspace -fr "odd" "a \\"quoted\\" dir";
"""


def test_parse_rules():
    rules = parse_file_rules(WORKSPACE)
    assert rules["images"] == "renders/final"
    assert rules["sourceImages"] == "textures"
    assert rules["odd"] == 'a "quoted" dir'


def test_rule_folders(tmp_path: Path):
    assert file_rules(str(tmp_path)) == {}
    (tmp_path / "workspace.mel").write_text(WORKSPACE)
    rules = file_rules(str(tmp_path))
    assert rule_folder(str(tmp_path), rules, "images", "images") == str(tmp_path / "renders/final")
    assert rule_folder(str(tmp_path), rules, "depth", "data") == str(tmp_path / "data")
    assert rule_folder("/p", {"images": "D:/renders"}, "images", "images") == "D:/renders"


def test_resolution_and_validation_follow_the_rules(tmp_path: Path):
    (tmp_path / "workspace.mel").write_text(WORKSPACE)
    for rel in ["textures/deep/wood.tif", "renders/final/plate.exr"]:
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_bytes(b"")
    scene = SceneInfo(
        scene=str(tmp_path / "scenes" / "s.ma"),
        project_root=str(tmp_path),
        renderer="arnold",
        cameras=(Camera("c", "c", renderable=True),),
        animation=True,
        references=(
            FileRef("wood", "file", "ftn", "C:/x/wood.tif"),
            FileRef("plate", "file", "ftn", "C:/x/renders/final/plate.exr"),
        ),
    )
    wood, plate = resolve_scene(scene, env={}, working_dir=str(tmp_path / "scenes"))
    assert wood.rule == "sourceimages"
    assert wood.files == (str(tmp_path / "textures" / "deep" / "wood.tif"),)
    assert plate.rule == "project_reroot"
    assert [f.code for f in validate(scene, (wood, plate))] == ["asset-in-output"]


def test_a_textures_folder_outside_the_project_is_searched(tmp_path: Path):
    proj, shared = tmp_path / "proj", tmp_path / "shared textures"
    (shared / "wood").mkdir(parents=True)
    (shared / "wood" / "oak.tif").write_bytes(b"")
    proj.mkdir()
    (proj / "workspace.mel").write_text(f'workspace -fr "sourceImages" "{shared.as_posix()}";\n')
    scene = SceneInfo(
        scene=str(proj / "s.ma"),
        project_root=str(proj),
        references=(FileRef("oak", "file", "ftn", "C:/x/oak.tif"),),
    )
    (oak,) = resolve_scene(scene, env={}, working_dir=str(proj))
    assert oak.rule == "sourceimages" and oak.files == (str(shared / "wood" / "oak.tif"),)
