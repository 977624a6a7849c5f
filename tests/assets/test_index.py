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


def test_many_patterns_in_one_pass_find_what_each_finds_alone(tmp_path: Path):
    names = [
        "a/skin.1001.tif",
        "a/Skin.1002.tif",  # another case: found by the lower-case prefix, then not matched
        "b/skin.1001.tif",
        "b/skin.1001.tx",
        "c/tree.0001.ass",
        "c/tree.0002.ass",
        "c/tree.-001.ass",
        "d/1001_base.tif",
        "d/1002_base.tif",
        "d/x.red.tif",
        # digits a plain `str.isdigit` would take, and near misses of the commonest cores
        "e/skin.\u0661\u0660\u0660\u0661.tif",  # Arabic-Indic digits
        "e/skin.\u00b2001.tif",  # a superscript two
        "e/skin.10001.tif",
        "e/skin.1a01.tif",
        "e/tree.-.ass",
        "e/tree.--01.ass",
        "e/tree.+1.ass",
        "e/tree.\u0661.ass",
        "e/tree.00012.ass",
        "e/tree..ass",
    ]
    for rel in names:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    index = FolderIndex([str(tmp_path)])
    written = [
        "skin.<UDIM>.tif",
        "Skin.<UDIM>.tif",
        "tree.<f>.ass",
        "tree.####.ass",
        "<UDIM>_base.tif",
        "x.<attr:c>.tif",
        "<attr:c>.tif",
        "none.<UDIM>.tif",
    ]
    patterns = [p for p in map(compile_name, written) if p is not None]
    for frames in (None, frozenset({1, -1}), frozenset({2})):
        found = index.find_patterns(patterns, str(tmp_path), frames)
        for pattern in patterns:
            alone = sorted(index.find_pattern(pattern, str(tmp_path), frames))
            together = [(found.folders[i], found.names[i]) for i in found.files[pattern.written]]
            assert sorted(together) == alone, pattern.written
            if pattern.has_frames:
                assert sorted(found.frames[pattern.written]) == sorted(
                    f for _d, n in alone for f in pattern.frames_of(n) or ()
                )
    odd = index.find_patterns(patterns, str(tmp_path / "e"), None)
    assert [odd.names[i] for i in odd.files["tree.<f>.ass"]] == ["tree.00012.ass"]
    assert odd.frames["tree.<f>.ass"] == [12] and odd.files["skin.<UDIM>.tif"] == []
    ones = index.find_patterns(patterns, str(tmp_path / "c"), frozenset({-1}))
    assert [ones.names[i] for i in ones.files["tree.<f>.ass"]] == ["tree.-001.ass"]
    assert ones.files["skin.<UDIM>.tif"] == []


def test_lookup_in_one_folder_and_the_folder_names_below(tmp_path: Path):
    for rel in ["t/skin.1002.tif", "t/skin.1001.tif", "t/skin.tx", "t/Wall.tif", "t/u/w.tif"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"")
    index = FolderIndex([str(tmp_path)])
    folder = str(tmp_path / "t")
    udim = compile_name("skin.<UDIM>.tif")
    token_first = compile_name("<attr:x>.tif")
    assert index.lookup(folder, "skin.<UDIM>.tif", udim, None) == ["skin.1001.tif", "skin.1002.tif"]
    assert index.lookup(folder, "x", token_first, None) == [
        "Wall.tif",
        "skin.1001.tif",
        "skin.1002.tif",
    ]
    assert index.lookup(folder, "Wall.tif", None, None) == ["Wall.tif"]
    assert index.lookup(folder, "wall.tif", None, None) == []  # exact, as the OS will open it
    assert index.lookup(str(tmp_path / "nope"), "Wall.tif", None, None, walked=True) == []
    assert index.folder_names_below(str(tmp_path)) == {"t", "u"}
    assert index.folder_names_below(folder) == {"u"}
