"""A Windows-authored project copied to this machine, with names that break naive quoting."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import HashCache
from azure_batch_maya.assets.project import AssetProject, build_project
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.scene.model import FileRef, SceneInfo

WIN = "C:/Users/Zoë/Shot 010"
HOSTILE = "wall $HOME;rm 'x' & 100% été"  # legal in a Windows file name
# the local copy's folder: on POSIX with a double quote and a backslash, which Windows forbids
LOCAL_NAME = "copy 'of' proj" if os.name == "nt" else 'copy "of" \\ proj'


@dataclass
class Built:
    local_root: Path
    project: AssetProject


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(path.name.encode())


@pytest.fixture
def windows_project(tmp_path: Path) -> Built:
    local = tmp_path / LOCAL_NAME
    files = [
        f"sourceimages/{HOSTILE}.tif",
        "sourceimages/skin.1001.tif",
        "sourceimages/skin.1002.tif",
        "cache/tree.0001.ass",
        "cache/tree.0002.ass",
        "cache/tree.0003.ass",
        "scenes/rig;v2.ma",
        "scenes/shot.ma",
        "sourceimages/sub dir/rel.tif",
        "cache/nCache/flüid sim/fluidShape1.xml",
        "cache/nCache/flüid sim/fluidShape1Frame1.mcx",
    ]
    for rel in files:
        _touch(local / rel)
    _touch(tmp_path / "ocio" / "studio config" / "config.ocio")
    _touch(tmp_path / "lib" / "χ" / "stray.tif")
    _touch(local / "sourceimages" / "decals" / "a.tif")  # same written folder as b.tif …
    _touch(tmp_path / "lib" / "b.tif")  # … found somewhere else
    _touch(tmp_path / "lib" / "sourceimages" / "only_in_lib.tif")
    refs = (
        FileRef("file1", "file", "ftn", f"{WIN}/sourceimages/{HOSTILE}.tif"),
        FileRef("file2", "file", "ftn", f"{WIN}\\sourceimages\\skin.<UDIM>.tif"),
        FileRef("standin", "aiStandIn", "dso", f"{WIN}/cache/tree.####.ass"),
        FileRef("rigRN", "reference", "file", f"{WIN}/scenes/rig;v2.ma"),
        FileRef("fluidCache", "cacheFile", "cp", f"{WIN}\\cache\\nCache\\flüid sim"),
        FileRef("file3", "file", "ftn", "sourceimages/sub dir/rel.tif"),
        FileRef("file4", "file", "ftn", "D:/elsewhere/stray.tif"),
        FileRef("decalA", "file", "ftn", "C:/Users/Zoë/Desktop/a.tif"),
        FileRef("decalB", "file", "ftn", "C:/Users/Zoë/Desktop/b.tif"),
        FileRef("libonly", "file", "ftn", f"{WIN}/sourceimages/only_in_lib.tif"),
        FileRef(
            "defaultColorMgtGlobals",
            "colorManagementGlobals",
            "cfp",
            "C:/ocio/studio config/config.ocio",
        ),
        FileRef(
            "defaultColorMgtGlobals",
            "colorManagementGlobals",
            "cfp",
            "<MAYA_RESOURCES>/OCIO-configs/Maya2022-default/config.ocio",
        ),
    )
    scene = SceneInfo(
        scene=str(local / "scenes" / "shot.ma"), project_root=str(local), references=refs
    )
    resolutions = resolve_scene(
        scene,
        search_paths=[str(tmp_path / "ocio"), str(tmp_path / "lib")],
        frames=frozenset({1, 2, 3}),
        working_dir=str(tmp_path),
        env={},
    )
    missing = [r.message for r in resolutions if not r.found]
    assert not missing
    cache = HashCache.load(tmp_path / "cache")
    project = build_project(scene, resolutions, AssetChoices(), cache.digest)
    return Built(local, project)
