"""Benchmark: the asset project for Submit right after Upload, nothing changed in between.

A project of 10,000 files (5,000 resolved textures, 5,000 below an added folder) with a hash
cache that also holds 50,000 entries of earlier projects, as a user's does. Prints, in one run:
a build with the hash cache warm (what Upload then Submit each cost before the project cache),
the cached answer (`cached_project` with the same inputs: one `stat` a file), and one bare
`os.stat` of every file, with the ratios. Run with `python3 dev.py bench -k projectcache`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import CACHE_FILE, HashCache
from azure_batch_maya.assets.project import build_project
from azure_batch_maya.assets.projectcache import ProjectCache
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.scene.model import FileRef, SceneInfo
from tests.fixtures.settle import settle

TEXTURES, ADDED, HISTORY = 5_000, 5_000, 50_000
T = TypeVar("T")


def best_of(runs: int, fn: Callable[[], T]) -> tuple[float, T]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def test_bench_the_project_is_not_rebuilt_between_upload_and_submit(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    refs = []
    for i in range(TEXTURES):
        tex = root / "sourceimages" / f"set{i // 500}" / f"tex{i}.tif"
        tex.parent.mkdir(parents=True, exist_ok=True)
        tex.write_bytes(b"t%d" % i)
        refs.append(FileRef(f"f{i}", "file", "ftn", str(tex)))
    for i in range(ADDED):
        extra = root / "extra" / f"d{i // 250}" / f"e{i}.abc"
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_bytes(b"e%d" % i)
    (root / "scenes").mkdir()
    (root / "scenes" / "s.ma").write_bytes(b"//Maya ASCII")
    settle(root)
    scene = SceneInfo(
        scene=str(root / "scenes" / "s.ma"), project_root=str(root), references=tuple(refs)
    )
    resolutions = resolve_scene(scene, env={})
    choices = AssetChoices(added=(str(root / "extra"),))

    folder = tmp_path / "cache"
    folder.mkdir()
    old = {  # earlier projects' files, in the hash cache's own layout: its file grows with them
        f"/old/show/file{i}.exr": [1000 + i, 1_700_000_000_000_000_000 + i, "ab" * 32]
        for i in range(HISTORY)
    }
    (folder / CACHE_FILE).write_text(json.dumps({"version": 1, "entries": old}), "utf-8")

    def warm_build() -> int:
        cache = HashCache.load(folder)
        try:
            return len(build_project(scene, resolutions, choices, cache.digest).files)
        finally:
            cache.save()

    warm_build()  # hash everything once, as Upload did the first time
    projects = ProjectCache(lambda: HashCache.load(folder))
    first = projects.project(scene, resolutions, choices)
    locals_ = [f.local for f in first.files]

    rebuild, files = best_of(3, warm_build)
    cached, again = best_of(5, lambda: projects.project(scene, resolutions, choices))
    stats, _ = best_of(5, lambda: [os.stat(p) for p in locals_])
    assert again is first and files == len(first.files) == TEXTURES + ADDED + 1
    print(
        f"\nasset project of {files} files, hash cache of {files + HISTORY} entries: "
        f"build with a warm hash cache {rebuild * 1000:.0f} ms, cached {cached * 1000:.0f} ms "
        f"({cached / rebuild:.2f}x the build), bare stat of every file {stats * 1000:.0f} ms "
        f"(cached = {cached / stats:.1f}x that)"
    )
