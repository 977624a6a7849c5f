from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from azure_batch_maya.assets.scenepath import parse_scene_path


@pytest.mark.parametrize(
    ("raw", "anchor", "parts", "layout"),
    [
        ("C:/a/b.tif", "C:/", ("a", "b.tif"), ("C", "a", "b.tif")),
        ("c:\\a\\\\b.tif", "c:/", ("a", "b.tif"), ("C", "a", "b.tif")),
        (
            "\\\\srv\\share\\t\\b.tif",
            "//srv/share/",
            ("t", "b.tif"),
            ("UNC", "srv", "share", "t", "b.tif"),
        ),
        ("/mnt/x//./b.tif", "/", ("mnt", "x", "b.tif"), ("mnt", "x", "b.tif")),
        ("./test/x.<udim>.tif", "", ("test", "x.<udim>.tif"), ("test", "x.<udim>.tif")),
    ],
)
def test_parse(raw, anchor, parts, layout):
    p = parse_scene_path(raw)
    assert (p.anchor, p.parts, p.layout_parts()) == (anchor, parts, layout)


def test_agrees_with_pathlib_on_each_os():
    win = parse_scene_path(r"C:\Projects\Shot 010\cache\tree.0001.ass")
    assert win.is_windows and win.is_absolute
    assert win.text == PureWindowsPath(r"C:\Projects\Shot 010\cache\tree.0001.ass").as_posix()
    assert win.parent_text == "C:/Projects/Shot 010/cache/"
    posix = parse_scene_path("/mnt/show/é $x;'\".tif")
    assert not posix.is_windows and posix.text == str(PurePosixPath("/mnt/show/é $x;'\".tif"))
    assert posix.name == "é $x;'\".tif"
