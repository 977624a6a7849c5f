"""Every file of a Windows-authored project reaches the node layout through what we generate.

The generated Python and MEL are read back by small parsers here, then a render node is
simulated: apply the dirmap entries the way `dirmap` does (prefix swap), take the explicit
remaps as the final attribute values, expand tokens against the files on the node, and check
every reference finds exactly the files that were uploaded for it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import pytest

from azure_batch_maya.assets.scenepath import parse_scene_path
from azure_batch_maya.assets.tokens import compile_name
from azure_batch_maya.render.dirmapscripts import dirmap_mel, dirmap_python, remaps_mel
from azure_batch_maya.render.pathmap import (
    NODE_OSES,
    DirMapping,
    build_pathmap,
    explicit_remaps,
    map_path,
    node_path_of_local,
)

from .conftest import LOCAL_NAME

ROOTS = {"linux": "/mnt/azbm/assets", "windows": "D:/azbm/assets"}


def parse_python(source: str) -> dict[str, Any]:
    """The module-level literals of the generated Python."""
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


_MEL_TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"|([^\s";]+)|(;)')
_MEL_UNESCAPE = {"n": "\n", "r": "\r", "t": "\t"}


def parse_mel(source: str) -> list[list[str]]:
    """Statements of the generated MEL as lists of words, string literals unescaped."""
    statements: list[list[str]] = []
    words: list[str] = []
    for line in source.splitlines():
        if line.startswith("//"):
            continue
        for m in _MEL_TOKEN.finditer(line):
            if m.group(3):
                statements.append(words)
                words = []
            elif m.group(1) is not None:
                words.append(re.sub(r"\\(.)", lambda e: _MEL_UNESCAPE.get(e[1], e[1]), m[1]))
            else:
                words.append(m.group(2))
    assert not words, "unterminated MEL statement"
    return statements


def apply_dirmap(path: str, pairs: list[tuple[str, str]], workspace: str) -> str:
    text = parse_scene_path(path).text
    if not parse_scene_path(path).is_absolute:
        return f"{workspace}/{text}"
    for source, target in pairs:
        if text.startswith(source):
            return target + text[len(source) :]
    return text


def node_files_for(value: str, on_node: set[str]) -> set[str]:
    folder, _, name = value.rpartition("/")
    pattern = compile_name(name)
    return {
        f
        for f in on_node
        if f.rpartition("/")[0] == folder
        and (
            f.rpartition("/")[2] == name
            if pattern is None
            else pattern.match(f.rpartition("/")[2], None)
        )
    }


@pytest.mark.parametrize("node_os", NODE_OSES)
def test_every_file_reaches_the_node_layout(windows_project, node_os):
    project = windows_project.project
    root = ROOTS[node_os]
    pathmap = build_pathmap(project, node_os, root)
    remaps = explicit_remaps(project, pathmap)
    py = parse_python(dirmap_python(pathmap, remaps))
    mel = parse_mel(dirmap_mel(pathmap) + remaps_mel(remaps))

    mel_dirmap = [(w[2], w[3]) for w in mel if w[:2] == ["dirmap", "-m"]]
    assert mel_dirmap == py["DIRMAP"]
    assert ["dirmap", "-en", "true"] in mel
    assert ["workspace", "-o", py["WORKSPACE"]] in mel
    mel_set = {w[3]: w[4] for w in mel if w[0] == "setAttr"}
    assert mel_set == dict(py["REMAPS"])
    assert ["colorManagementPrefs", "-e", "-configFilePath", py["OCIO_CONFIG"]] in mel

    on_node = {f"{root}/{f.node_path}" for f in project.files}
    remapped = dict(py["REMAPS"])
    for res in project.resolutions:
        if not res.needs_upload:
            continue
        plug = f"{res.ref.node}.{res.ref.attribute}"
        if res.ref.node_type == "colorManagementGlobals":
            value = py["OCIO_CONFIG"]
        else:
            value = remapped.get(plug) or apply_dirmap(res.ref.path, py["DIRMAP"], py["WORKSPACE"])
        expected = {node_path_of_local(f, root) for f in res.files}
        if res.ref.node_type == "cacheFile":  # a folder: everything directly in it
            assert {f for f in on_node if f.rpartition("/")[0] == value} == expected, plug
        else:
            assert node_files_for(value, on_node) == expected, plug
        assert expected  # every reference brings files
    # and together the references reach every file that was sent, none left unreachable
    reached = set()
    for res in project.resolutions:
        reached |= {node_path_of_local(f, root) for f in res.files if res.needs_upload}
    reached.add(f"{root}/{project.scene_node_path}")  # the scene itself, opened by path
    assert reached == on_node
    # hostile characters survived into the node paths unchanged
    assert any(LOCAL_NAME in f and "$HOME;rm 'x' & 100% été" in f for f in on_node)


def test_node_paths_are_valid_for_the_node_os(windows_project):
    project = windows_project.project
    win = build_pathmap(project, "windows", "D:\\azbm\\assets")
    linux = build_pathmap(project, "linux", "/mnt/azbm/assets")
    for f in project.files:
        w = PureWindowsPath(node_path_of_local(f.local, win.root))
        assert w.drive == "D:" and w.is_absolute()
        p = PurePosixPath(node_path_of_local(f.local, linux.root))
        assert p.is_absolute() and p.parts[:4] == ("/", "mnt", "azbm", "assets")


def test_map_path_is_the_one_answer(windows_project):
    project = windows_project.project
    pm = build_pathmap(project, "linux", "/n")
    local = windows_project.local_root
    hostile = next(r for r in project.resolutions if r.ref.node == "file1")
    assert map_path(hostile.ref.path, pm) == node_path_of_local(hostile.files[0], "/n")
    # a file the scene reaches only indirectly (a nested reference) maps through the same prefix
    assert map_path("C:/Users/Zoë/Shot 010/scenes/nested.ma", pm) == node_path_of_local(
        str(local / "scenes" / "nested.ma"), "/n"
    )
    assert map_path("sourceimages/x.tif", pm) == f"{pm.project}/sourceimages/x.tif"
    assert map_path("Z:/unknown/x.tif", pm) is None


def test_explicit_remaps_cover_what_dirmap_misses(windows_project):
    project = windows_project.project
    remaps = {r.plug: r for r in explicit_remaps(project, build_pathmap(project, "linux", "/n"))}
    assert "tokens" in remaps["standin.dso"].why
    assert remaps["standin.dso"].path.endswith("/cache/tree.####.ass")
    assert "tokens" in remaps["file2.ftn"].why  # backslashes and a UDIM token
    assert remaps["defaultColorMgtGlobals.cfp"].is_ocio
    # Maya expands $HOME in a path; the literal name needs the exact value set after open
    assert "environment variables" in remaps["file1.ftn"].why
    assert "rigRN.file" not in remaps and "file3.ftn" not in remaps  # dirmap and workspace
    assert "file4.ftn" not in remaps  # found in a search path: its folder maps by dirmap


def test_disagreeing_references_keep_the_majority_prefix(windows_project):
    project = windows_project.project
    pm = build_pathmap(project, "linux", "/n")
    local = windows_project.local_root
    lib = local.parent / "lib"
    # the project's own files keep one shortened prefix; the one found in a search path and
    # the second of two files written in one folder but found apart get exact entries
    assert DirMapping("C:/Users/Zoë/Shot 010/", node_path_of_local(str(local), "/n") + "/") in (
        pm.dirs
    )
    exact = dict(pm.files)
    assert set(exact) == {
        "C:/Users/Zoë/Shot 010/sourceimages/only_in_lib.tif",
        "C:/Users/Zoë/Desktop/b.tif",
    }
    assert exact["C:/Users/Zoë/Desktop/b.tif"] == node_path_of_local(str(lib / "b.tif"), "/n")
    remaps = {r.plug: r for r in explicit_remaps(project, pm)}
    assert "maps elsewhere" in remaps["decalB.ftn"].why
    assert "decalA.ftn" not in remaps


def test_files_inside_references_are_left_to_dirmap(windows_project):
    project = windows_project.project
    nested = tuple(
        replace(r, via=("rigRN",)) if r.ref.node == "standin" else r for r in project.resolutions
    )
    moved = replace(project, resolutions=nested)
    pm = build_pathmap(moved, "linux", "/n")
    plugs = {r.plug for r in explicit_remaps(moved, pm)}
    assert "standin.dso" not in plugs and "file2.ftn" in plugs
    standin = next(r for r in nested if r.ref.node == "standin")
    assert map_path(standin.ref.path, pm) == (
        node_path_of_local(str(windows_project.local_root / "cache"), "/n") + "/tree.####.ass"
    )


def test_shortened_prefixes_stay_inside_the_asset_root():
    from azure_batch_maya.render.pathmap import _shorten

    root = "/mnt/azbm/assets"
    # the local file is /assets/assets/t.tif: its folders end like the root does
    scene, node = _shorten("C:/proj/assets/assets/", "/mnt/azbm/assets/assets/assets/", root)
    assert node.startswith(root + "/") and (scene, node) == (
        "C:/proj/assets/",
        "/mnt/azbm/assets/assets/",
    )
    assert _shorten("C:/a/cache/", "D:/n/home/p/cache/", "D:/n") == ("C:/a/", "D:/n/home/p/")
