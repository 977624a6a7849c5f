from __future__ import annotations

from pathlib import Path

import pytest

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import HashCache, sha256_of
from azure_batch_maya.assets.project import (
    build_project,
    container_name,
    default_project_name,
    node_layout,
)
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.scene.model import FileRef, SceneInfo


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Shot 010", "shot-010"),
        ("Zoë's  Project!!", "zoes-project"),
        ("a", "a-project"),
        ("日本", "maya-project"),
        ("--x--y--", "x-y"),
        ("x" * 80, "x" * 63),
        ("ab" + "-" * 70 + "c", "ab-c"),
    ],
)
def test_container_names_are_valid(text, name):
    got = container_name(text)
    assert got == name
    assert 3 <= len(got) <= 63 and "--" not in got and got[0].isalnum() and got[-1].isalnum()


def test_node_layout_keeps_structure_on_both_oses():
    assert node_layout("C:\\Users\\me\\a.tif", windows=True) == "C/Users/me/a.tif"
    assert node_layout("\\\\srv\\share\\a.tif", windows=True) == "UNC/srv/share/a.tif"
    assert node_layout("/mnt/x/a\\b.tif", windows=False) == "mnt/x/a\\b.tif"


def test_build_adds_deselects_and_hashes(tmp_path: Path):
    proj = tmp_path / "My Proj"
    files = {
        "sourceimages/a.tif": b"a",
        "sourceimages/b.tif": b"bb",
        "sourceimages/skip/c.tif": b"c",
        "extra/notes.txt": b"n",
        "extra/deep/more.txt": b"m",
    }
    for rel, data in files.items():
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_bytes(data)
    refs = tuple(FileRef(f"f{i}", "file", "ftn", rel) for i, rel in enumerate(list(files)[:3]))
    (proj / "scenes").mkdir()
    (proj / "scenes" / "s.ma").write_bytes(b"//Maya ASCII")
    (proj / "workspace.mel").write_bytes(b"")
    scene = SceneInfo(scene=str(proj / "scenes" / "s.ma"), project_root=str(proj), references=refs)
    res = resolve_scene(scene, env={})
    choices = AssetChoices(
        added=(str(proj / "extra"),),
        deselected=(str(proj / "sourceimages" / "skip"), str(proj / "extra" / "notes.txt")),
    )
    cache = HashCache.load(tmp_path / "cache")
    project = build_project(scene, res, choices, cache.digest)
    assert project.name == default_project_name(scene) == "my-proj"
    got = {Path(f.local).relative_to(proj).as_posix(): f for f in project.files}
    assert sorted(got) == [
        "extra/deep/more.txt",
        "scenes/s.ma",
        "sourceimages/a.tif",
        "sourceimages/b.tif",
        "workspace.mel",
    ]
    assert project.scene_node_path == got["scenes/s.ma"].node_path
    b = got["sourceimages/b.tif"]
    assert b.size == 2 and b.sha256 == sha256_of(proj / "sourceimages" / "b.tif")
    assert b.node_path == node_layout(str(proj / "sourceimages" / "b.tif"))
    assert got["extra/deep/more.txt"].added and not b.added
    assert project.total_size == 4 + len(b"//Maya ASCII")
    named = build_project(scene, res, AssetChoices(project_name="Über Shot"), cache.digest)
    assert named.name == "uber-shot"
