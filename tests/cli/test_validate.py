"""`validate` and `scan` with asset options, on a project built in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azure_batch_maya.cli import main

SCENE = """//Maya ASCII 2025 scene
//Codeset: 65001
requires maya "2025";
requires "mtoa" "5.4.5";
createNode transform -n "shotCam";
createNode camera -n "shotCamShape" -p "shotCam";
\tsetAttr ".rnd" yes;
createNode file -n "wall";
\tsetAttr ".ftn" -type "string" "C:\\\\Shots\\\\Zoë 010\\\\sourceimages\\\\wall.tif";
createNode file -n "skin";
\tsetAttr ".ftn" -type "string" "sourceimages/skin.<UDIM>.tif";
createNode file -n "metal";
\tsetAttr ".ftn" -type "string" "D:/library/metal/metal.tif";
createNode aiStandIn -n "treeShape";
\tsetAttr ".dso" -type "string" "C:/Shots/Zoë 010/cache/tree.####.ass";
select -ne :defaultRenderGlobals;
\tsetAttr ".ren" -type "string" "arnold";
\tsetAttr ".an" yes;
\tsetAttr ".fs" 1;
\tsetAttr ".ef" 5;
"""


@pytest.fixture(name="shot")
def shot_fixture(tmp_path: Path, monkeypatch) -> Path:
    """A Maya project whose Windows-authored scene has one file only under a search path."""
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    proj = tmp_path / "proj"
    files = [
        "workspace.mel",
        "sourceimages/wall.tif",
        "sourceimages/skin.1001.tif",
        "sourceimages/skin.1002.tif",
        *[f"cache/tree.{f:04d}.ass" for f in range(1, 6)],
    ]
    for rel in files:
        (proj / rel).parent.mkdir(parents=True, exist_ok=True)
        (proj / rel).write_bytes(rel.encode())
    (tmp_path / "lib" / "metal").mkdir(parents=True)
    (tmp_path / "lib" / "metal" / "metal.tif").write_bytes(b"metal")
    (proj / "scenes").mkdir()
    scene = proj / "scenes" / "shot.ma"
    scene.write_text(SCENE, encoding="utf-8")
    return scene  # fmt: skip


def test_validate_fails_on_a_missing_file_and_names_the_fix(shot: Path, capsys):
    assert main(["validate", str(shot)]) == 1
    out = capsys.readouterr().out
    assert "error: [missing-asset] metal.ftn (file): D:/library/metal/metal.tif not found" in out
    assert "3 of 4 files found; 1 error(s)" in out


def test_validate_passes_with_a_search_path(shot: Path, capsys):
    lib = shot.parents[2] / "lib"
    assert main(["validate", str(shot), "--search-path", str(lib), "--frames", "1-3"]) == 0
    assert "4 of 4 files found; 0 error(s)" in capsys.readouterr().out


def test_validate_rejects_a_bad_frame_list(shot: Path, capsys):
    assert main(["validate", str(shot), "--frames", "5-1"]) == 2
    assert "run backwards; write 1-5" in capsys.readouterr().err


def test_scan_json_has_resolution_and_validation(shot: Path, capsys):
    lib = shot.parents[2] / "lib"
    args = ["scan", str(shot), "--json", "--search-path", str(lib), "--frames", "2-4x2"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    refs = {r["node"]: r for r in data["references"]}
    proj = shot.parents[1]
    assert refs["wall"]["rule"] == "project_reroot"
    assert refs["wall"]["files"] == [str(proj / "sourceimages" / "wall.tif")]
    assert refs["skin"]["files"] == [
        str(proj / "sourceimages" / f"skin.{t}.tif") for t in (1001, 1002)
    ]
    assert refs["treeShape"]["files"] == [str(proj / "cache" / f"tree.{f:04d}.ass") for f in (2, 4)]
    assert refs["metal"]["rule"] == "search_path"
    assert refs["metal"]["resolved"] == str(lib / "metal" / "metal.tif")
    assert data["validation"] == []
