from __future__ import annotations

from pathlib import Path, PureWindowsPath

import pytest

from azure_batch_maya.transfer.safepath import UnsafeBlobName, target_path


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("images/shot010/beauty.0001.exr", ("images", "shot010", "beauty.0001.exr")),
        ("logs/task-1/stdout.txt", ("logs", "task-1", "stdout.txt")),
        ("./a//b/./c.png", ("a", "b", "c.png")),
        ("Café/façade 01.png", ("Café", "façade 01.png")),
        ("win\\style\\name.exr", ("win", "style", "name.exr")),
    ],
)
def test_names_land_below_the_folder(tmp_path, name, parts):
    assert target_path(tmp_path, name) == tmp_path.joinpath(*parts)


@pytest.mark.parametrize(
    "name",
    [
        "../evil.sh",
        "images/../../evil.sh",
        "..\\..\\evil.bat",
        "/etc/passwd",
        "\\\\server\\share\\x.exr",
        "C:/Windows/evil.dll",
        "c:evil.dll",
        str(PureWindowsPath("D:/renders/x.exr")),
        "images/CON.exr",
        "images/aux",
        "trailing./x",
        "a/b:stream",
        "",
        "a\x00b",
    ],
)
def test_names_that_escape_or_are_not_files_are_refused(tmp_path, name):
    with pytest.raises(UnsafeBlobName):
        target_path(tmp_path, name)


def test_a_symlink_inside_the_folder_cannot_lead_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "downloads"
    folder.mkdir()
    try:
        (folder / "link").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks are not allowed here")
    with pytest.raises(UnsafeBlobName, match="leads outside"):
        target_path(folder, "link/x.exr")
    assert target_path(folder, "linkless/x.exr") == Path(folder, "linkless", "x.exr")
