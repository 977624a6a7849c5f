"""Files outside the project, system folders: judged as text, Windows or POSIX by their shape."""

from __future__ import annotations

from pathlib import PurePosixPath, PureWindowsPath

import pytest

from azure_batch_maya.assets.outside import is_inside, outside, pure_path, system_folder


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("C:\\Windows\\win.ini", PureWindowsPath),
        ("c:/show/a.tif", PureWindowsPath),
        ("\\\\server\\share\\a.tif", PureWindowsPath),
        ("/etc/passwd", PurePosixPath),
        ("relative/a.tif", PurePosixPath),
    ],
)
def test_the_shape_of_a_path_says_its_os(path: str, kind: type) -> None:
    assert type(pure_path(path)) is kind


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("/etc/passwd", "/etc"),
        ("/proc/self/environ", "/proc"),
        ("/dev/zero", "/dev"),
        ("/usr/share/x.tif", "/usr"),
        ("C:\\Windows\\System32\\drivers\\etc\\hosts", "C:/Windows"),
        ("c:/windows/win.ini", "C:/Windows"),  # Windows paths ignore case
        ("C:\\Program Files\\Autodesk\\Maya2025\\x.tif", "C:/Program Files"),
        ("C:/Program Files (x86)/a.tif", "C:/Program Files (x86)"),
    ],
)
def test_system_folders(path: str, folder: str) -> None:
    assert system_folder(path) == folder


@pytest.mark.parametrize(
    "path",
    ["/home/ann/show/a.tif", "/etcetera/a.tif", "D:\\Windows\\a.tif", "C:\\Windowsx\\a.tif"],
)
def test_ordinary_folders_are_not_system_folders(path: str) -> None:
    assert system_folder(path) is None


def test_inside_and_outside_across_oses() -> None:
    assert is_inside("C:\\Show\\Proj\\tex\\a.tif", "c:/show/proj")
    assert not is_inside("C:\\Show\\Project2\\a.tif", "C:/Show/Proj")
    assert not is_inside("/show/proj/a.tif", "C:/show/proj")
    files = ["C:/show/proj/a.tif", "D:/lib/b.tif", "/mnt/lib/c.tif", "D:/lib/b.tif"]
    assert outside(files, ["C:\\show\\proj", ""]) == ["D:/lib/b.tif", "/mnt/lib/c.tif"]
    assert outside(files, ["C:/show/proj", "d:\\LIB", "/mnt/lib"]) == []
