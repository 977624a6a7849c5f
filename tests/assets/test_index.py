from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.index import FolderIndex
from azure_batch_maya.assets.tokens import compile_name


def test_lookups(tmp_path: Path):
    for rel in ["a/Wall.tif", "a/b/wall.tif", "c/skin.1001.tif", "c/skin.1002.tif", "c/x.txt"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    outside = tmp_path.parent / (tmp_path.name + "_out")
    outside.mkdir()
    (outside / "o.tif").write_bytes(b"")
    index = FolderIndex([str(tmp_path), str(tmp_path / "a")])  # nested root walked once
    assert index.roots == (str(tmp_path),)
    assert sorted(index.names_in(str(tmp_path / "c"))) == [
        "skin.1001.tif",
        "skin.1002.tif",
        "x.txt",
    ]
    assert index.names_in(str(tmp_path / "nope")) == []
    assert index.names_in(str(outside)) == ["o.tif"]  # outside the roots: listed on demand
    assert sorted(index.find_name("wall.tif", str(tmp_path))) == [
        (str(tmp_path / "a"), "Wall.tif"),
        (str(tmp_path / "a" / "b"), "wall.tif"),
    ]
    assert index.find_name("wall.tif", str(tmp_path / "c")) == []
    udim = compile_name("skin.<UDIM>.tif")
    anything = compile_name("skin.<attr:x>.tif")
    assert udim is not None and anything is not None
    expected = [(str(tmp_path / "c"), "skin.1001.tif"), (str(tmp_path / "c"), "skin.1002.tif")]
    assert sorted(index.find_pattern(udim, str(tmp_path))) == expected
    assert sorted(index.find_pattern(anything, str(tmp_path))) == expected
