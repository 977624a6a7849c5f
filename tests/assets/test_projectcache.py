"""The cached asset project: built once for the same inputs while no file changed, and built
again (never sent stale) when the scene, the resolutions, the choices or a file on disk did."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import FileDigest, HashCache
from azure_batch_maya.assets.projectcache import ProjectCache, path_state
from azure_batch_maya.assets.resolve import Resolution, resolve_scene
from azure_batch_maya.scene.model import FileRef, SceneInfo
from tests.fixtures.settle import settle


class CountingHashCache(HashCache):
    """The real hash cache, counting every digest asked of it."""

    calls = 0

    def digest(self, file: str) -> FileDigest:
        CountingHashCache.calls += 1
        return super().digest(file)


@dataclass
class Setup:
    root: Path
    scene: SceneInfo
    resolutions: tuple[Resolution, ...]
    choices: AssetChoices
    cache: ProjectCache


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every folder `os.walk` is asked to walk."""
    seen: list[str] = []
    real = os.walk

    def counted(
        top: str, *args: object, **kwargs: object
    ) -> Iterator[tuple[str, list[str], list[str]]]:
        seen.append(top)
        return real(top)

    monkeypatch.setattr(os, "walk", counted)
    return seen


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    root = tmp_path / "proj"
    for rel, data in {
        "sourceimages/a.tif": b"aaaa",
        "sourceimages/b.tif": b"bb",
        "extra/notes.txt": b"n",
        "extra/deep/more.txt": b"m",
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "scenes").mkdir()
    (root / "scenes" / "s.ma").write_bytes(b"//Maya ASCII")
    settle(root)
    refs = (
        FileRef("f0", "file", "ftn", "sourceimages/a.tif"),
        FileRef("f1", "file", "ftn", "sourceimages/b.tif"),
    )
    scene = SceneInfo(scene=str(root / "scenes" / "s.ma"), project_root=str(root), references=refs)
    CountingHashCache.calls = 0
    folder = tmp_path / "cache"

    def loader() -> HashCache:
        return CountingHashCache.load(folder)

    return Setup(
        root,
        scene,
        resolve_scene(scene, env={}),
        AssetChoices(added=(str(root / "extra"),)),
        ProjectCache(loader),
    )


def build(s: Setup) -> tuple[str, ...]:
    project = s.cache.project(s.scene, s.resolutions, s.choices)
    return tuple(sorted(Path(f.local).relative_to(s.root).as_posix() for f in project.files))


def sha_of(s: Setup, rel: str) -> str:
    project = s.cache.project(s.scene, s.resolutions, s.choices)
    return next(f.sha256 for f in project.files if f.local == str(s.root / rel))


def test_the_same_inputs_neither_rehash_nor_rewalk(setup: Setup, walks: list[str]) -> None:
    first = setup.cache.project(setup.scene, setup.resolutions, setup.choices)
    assert len(first.files) == 5 and setup.cache.builds == 1
    assert CountingHashCache.calls == 5 and walks == [str(setup.root / "extra")]
    again = setup.cache.project(setup.scene, setup.resolutions, setup.choices)
    assert again is first
    # inputs equal but not the same objects (the CLI reads the scene afresh) fit as well
    equal = setup.cache.project(
        replace(setup.scene), tuple(replace(r) for r in setup.resolutions), replace(setup.choices)
    )
    assert equal is first
    assert setup.cache.builds == 1 and CountingHashCache.calls == 5 and len(walks) == 1


def test_a_file_touched_between_two_builds_is_hashed_again(setup: Setup) -> None:
    old = sha_of(setup, "sourceimages/a.tif")
    tex = setup.root / "sourceimages" / "a.tif"
    st = tex.stat()
    tex.write_bytes(b"AAAA")  # same size; the mtime says it changed (moved on, in case of a
    os.utime(tex, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse clock)
    new = sha_of(setup, "sourceimages/a.tif")
    assert old != new == hashlib.sha256(b"AAAA").hexdigest()
    assert setup.cache.builds == 2
    assert CountingHashCache.calls == 10  # every file asked again; the hash cache read one


def test_a_touch_alone_rebuilds_to_the_same_project(setup: Setup) -> None:
    first = setup.cache.project(setup.scene, setup.resolutions, setup.choices)
    notes = setup.root / "extra" / "notes.txt"
    st = notes.stat()
    os.utime(notes, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # `touch`: same bytes
    again = setup.cache.project(setup.scene, setup.resolutions, setup.choices)
    assert again is not first and again == first  # built again, to the same project
    assert setup.cache.builds == 2


def test_files_appearing_or_going_in_an_added_folder_rebuild(setup: Setup) -> None:
    assert "extra/deep/new.txt" not in build(setup)
    (setup.root / "extra" / "deep" / "new.txt").write_bytes(b"new")
    assert "extra/deep/new.txt" in build(setup)
    (setup.root / "extra" / "notes.txt").unlink()
    assert "extra/notes.txt" not in build(setup)
    assert setup.cache.builds == 3


def test_a_workspace_or_scene_appearing_or_going_rebuilds(setup: Setup) -> None:
    assert "workspace.mel" not in build(setup)
    (setup.root / "workspace.mel").write_text("")
    assert "workspace.mel" in build(setup)
    (setup.root / "scenes" / "s.ma").unlink()
    assert "scenes/s.ma" not in build(setup)
    assert setup.cache.builds == 3


def test_changed_choices_resolutions_or_scene_rebuild(setup: Setup) -> None:
    build(setup)
    setup.choices = replace(setup.choices, deselected=(str(setup.root / "extra" / "deep"),))
    assert "extra/deep/more.txt" not in build(setup)
    setup.resolutions = setup.resolutions[:1]
    assert "sourceimages/b.tif" not in build(setup)
    setup.scene = replace(setup.scene, project_root=None)
    name = setup.cache.project(setup.scene, setup.resolutions, setup.choices).name
    assert name == "s" + "-project"  # the scene's name now, not the project folder's
    assert setup.cache.builds == 4


def test_a_failed_build_leaves_nothing_cached(setup: Setup) -> None:
    build(setup)
    tex = setup.root / "sourceimages" / "b.tif"
    tex.unlink()
    with pytest.raises(FileNotFoundError):
        build(setup)
    tex.write_bytes(b"back")
    assert sha_of(setup, "sourceimages/b.tif") == hashlib.sha256(b"back").hexdigest()
    assert setup.cache.builds == 2


def test_path_state_tells_kind_size_and_absence(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_bytes(b"abc")
    state = path_state(str(f))
    assert state is not None and state[1] == 3
    assert path_state(str(tmp_path)) != state
    assert path_state(str(tmp_path / "none")) is None


def test_a_build_that_read_a_file_changed_seconds_ago_is_not_kept(setup: Setup) -> None:
    texture = setup.root / "sourceimages" / "a.tif"
    texture.write_bytes(b"AAAA")  # just saved: a same-size save may follow in the same tick
    first = setup.cache.project(setup.scene, setup.resolutions, setup.choices)
    assert setup.cache.project(setup.scene, setup.resolutions, setup.choices) is not first
    assert setup.cache.builds == 2
