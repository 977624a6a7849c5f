"""`azure-batch-maya scan`: the JSON contract and exit codes, on the bundled example project."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from azure_batch_maya.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "shot010" / "scenes" / "shot010_lighting.ma"
LIBRARY = REPO / "examples" / "texture_library"


def scan_json(capsys, *args: str) -> dict[str, Any]:
    assert main(["scan", str(EXAMPLE), *args, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # exactly one JSON object on one line
    data: dict[str, Any] = json.loads(out)
    return data


def test_json_has_the_documented_keys(capsys):
    data = scan_json(capsys)
    for key in (
        "scene",
        "maya_version",
        "renderer",
        "frames",
        "image_prefix",
        "layers",
        "cameras",
        "plugins",
        "references",
    ):
        assert key in data
    assert data["frames"] == {"start": 1, "end": 5, "step": 1}
    assert data["renderer"] == "arnold"
    assert data["cameras"] == ["shotCam"]
    assert data["image_prefix"] == "<Scene>/<RenderLayer>/<Scene>"
    assert data["project_root"] == str(EXAMPLE.parents[1])


def test_json_references_keep_the_raw_paths_and_ma_attribute_names(capsys):
    data = scan_json(capsys)
    refs = {(r["node"], r["node_type"], r["attribute"], r["path"]) for r in data["references"]}
    assert refs == {
        ("lampRN", "reference", "file", "C:/Projects/shot010/scenes/props/lamp.ma"),
        ("treeShape", "aiStandIn", "dso", "C:/Projects/shot010/cache/tree.####.ass"),
        ("wood_albedo", "file", "ftn", "C:\\Projects\\shot010\\sourceimages\\wood_albedo.png"),
        (
            "skin_albedo",
            "file",
            "ftn",
            "C:/Projects/shot010/sourceimages/skin/skin_albedo.<UDIM>.png",
        ),
        ("concrete_diffuse", "file", "ftn", "D:/Library/Textures/concrete/concrete_diffuse.png"),
    }


def test_example_resolves_completely_with_its_library(capsys):
    data = scan_json(capsys, "--search-path", str(LIBRARY))
    missing = [r["path"] for r in data["references"] if r["resolved"] is None]
    assert missing == []
    skin = next(r for r in data["references"] if r["node"] == "skin_albedo")
    assert len(skin["files"]) == 3  # the UDIM tiles 1001, 1002, 1011


def test_readable_summary(capsys):
    assert main(["scan", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "Renderer:  arnold" in out
    assert "Frames:    1-5 step 1" in out
    assert "treeShape (aiStandIn.dso)" in out


def test_module_entry_point_and_exit_code_for_a_non_scene(tmp_path):
    not_a_scene = tmp_path / "readme.ma"
    not_a_scene.write_text("just text\n", encoding="utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", "scan", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and json.loads(ok.stdout)["renderer"] == "arnold"
    bad = subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", "scan", str(not_a_scene), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1


def test_json_is_utf8_even_where_the_console_code_page_is_not(tmp_path: Path) -> None:
    """A Windows pipe defaults to cp1252; a folder named in Japanese must still come out."""
    folder = tmp_path / "ショット"
    folder.mkdir()
    scene = folder / "shot.ma"
    scene.write_bytes(EXAMPLE.read_bytes())
    result = subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", "scan", str(scene), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "cp1252"},
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert json.loads(result.stdout.decode("utf-8"))["scene"] == str(scene)
