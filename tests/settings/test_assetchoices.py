from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.settings.assetchoices import (
    choices_file,
    load_choices,
    save_choices,
)


def test_saved_and_restored_per_scene(tmp_path: Path):
    env = {"AZURE_BATCH_MAYA_HOME": str(tmp_path / "home")}
    scene = str(tmp_path / "shot é.ma")
    assert load_choices(scene, env) == AssetChoices()
    choices = AssetChoices(("/lib", "/lib2"), ("/extra",), ("/big.exr",), "Shot 010")
    path = save_choices(scene, choices, env)
    assert path.is_relative_to(tmp_path / "home")
    assert load_choices(scene, env) == choices
    assert load_choices(str(tmp_path / "other.ma"), env) == AssetChoices()


def test_damaged_file_gives_no_choices(tmp_path: Path):
    env = {"AZURE_BATCH_MAYA_HOME": str(tmp_path)}
    path = choices_file("s.ma", env)
    path.parent.mkdir(parents=True)
    path.write_text("[1, 2")
    assert load_choices("s.ma", env) == AssetChoices()
