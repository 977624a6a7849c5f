from __future__ import annotations

import json
from pathlib import Path

from azure_batch_maya.assets.project import node_layout
from azure_batch_maya.cli import main

from .test_validate import shot_fixture  # noqa: F401  (provides the `shot` fixture)


def test_assets_json_lists_files_sizes_and_node_paths(shot: Path, capsys):
    lib = shot.parents[2] / "lib"
    assert main(["assets", str(shot), "--json", "--search-path", str(lib), "--frames", "1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "proj" and data["missing"] == []
    by_local = {f["local"]: f for f in data["files"]}
    metal = str(lib / "metal" / "metal.tif")
    assert by_local[metal]["size"] == 5
    assert by_local[metal]["node_path"] == node_layout(metal)
    tree = [Path(f).name for f in by_local if "tree." in f]
    assert tree == ["tree.0001.ass"]
    assert data["total_size"] == sum(f["size"] for f in data["files"])


def test_choices_are_saved_and_come_back(shot: Path, capsys):
    lib = shot.parents[2] / "lib"
    wall = shot.parents[1] / "sourceimages" / "wall.tif"
    args = ["assets", str(shot), "--search-path", str(lib), "--deselect", str(wall)]
    assert main([*args, "--name", "Hero Shot", "--save"]) == 0
    capsys.readouterr()
    assert main(["assets", str(shot), "--json"]) == 0  # no options: the saved ones apply
    data = json.loads(capsys.readouterr().out)
    assert data["name"] == "hero-shot"
    locals_ = [f["local"] for f in data["files"]]
    assert str(lib / "metal" / "metal.tif") in locals_ and str(wall) not in locals_
    assert main(["validate", str(shot)]) == 0  # validate uses the saved search path too


def test_assets_shows_the_node_mapping(shot: Path, capsys):
    proj = shot.parents[1]
    args = ["assets", str(shot), "--json", "--node-os", "windows", "--node-root", "E:/a"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["pathmap"]["os"] == "windows" and data["pathmap"]["root"] == "E:/a"
    assert ["C:/Shots/Zoë 010/", f"E:/a/{node_layout(str(proj))}/"] in data["pathmap"]["dirs"]
    plugs = {r["plug"] for r in data["remaps"]}
    assert {"wall.ftn", "treeShape.dso"} <= plugs  # backslashes; frame tokens
    assert main(["assets", str(shot)]) == 0
    out = capsys.readouterr().out
    assert "On a linux node, below /mnt/batch/tasks/shared/azbm/proj:" in out
    assert "C:/Shots/Zoë 010/  ->  /mnt/batch/tasks/shared/azbm/proj/" in out


def test_write_mapping_gives_files_another_farm_can_apply(shot: Path, tmp_path: Path, capsys):
    import ast

    lib = shot.parents[2] / "lib"
    out = tmp_path / "mapping"
    args = ["assets", str(shot), "--search-path", str(lib), "--node-root", "/farm/assets"]
    assert main([*args, "--write-mapping", str(out), "--json"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)  # stdout stays one JSON object
    assert "ARNOLD_PATHMAP=/farm/assets/mapping/azbm_arnold_pathmap.json" in captured.err
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "azbm_arnold_pathmap.json",
        "azbm_dirmap.mel",
        "azbm_pathmap.py",
        "azbm_redshift_pathoverride.txt",
        "azbm_remaps.mel",
    ]
    tree = ast.parse((out / "azbm_pathmap.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert {"before_open", "after_open"} <= defined
    mel = (out / "azbm_dirmap.mel").read_text(encoding="utf-8")
    assert "dirmap -en true;" in mel and '"/farm/assets/' in mel
    arnold = json.loads((out / "azbm_arnold_pathmap.json").read_text(encoding="utf-8"))
    assert arnold["linux"]
