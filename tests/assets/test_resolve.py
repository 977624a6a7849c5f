"""Resolution over a real project folder: each reference lands on the rule the docs promise."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from azure_batch_maya.assets.resolve import RULES, resolve_scene
from azure_batch_maya.scene.model import FileRef, SceneInfo


def touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    for rel in [
        "scenes/shot.ma",
        "scenes/near.tif",
        "sourceimages/wall.tif",
        "sourceimages/sub/brick/brick.tif",
        "sourceimages/a/dup.tif",
        "sourceimages/b/dup.tif",
        "textures/udim/skin.1001.tif",
        "textures/udim/skin.1002.tif",
        "textures/udim/skin.1011.tif",
        "textures/udim/skin.tx",
        "old/lost.tif",
        "old/wall2.tif",
        *[f"cache/tree.{f:04d}.ass" for f in range(1, 11)],
    ]:
        touch(proj / rel)
    touch(tmp_path / "lib" / "a" / "metal" / "metal.tif")
    touch(tmp_path / "lib" / "other" / "metal" / "metal.tif")
    touch(tmp_path / "cwd" / "cwdonly.tif")
    return proj


def scene_with(proj: Path, *refs: FileRef) -> SceneInfo:
    return SceneInfo(
        scene=str(proj / "scenes" / "shot.ma"), project_root=str(proj), references=refs
    )


def ref(node: str, path: str, node_type: str = "file", attr: str = "ftn", **kw) -> FileRef:
    return FileRef(node, node_type, attr, path, **kw)


def resolve(proj: Path, *refs: FileRef, frames=frozenset(range(1, 4)), env=None):
    tmp = proj.parent
    results = resolve_scene(
        scene_with(proj, *refs),
        search_paths=[str(tmp / "lib")],
        frames=frames,
        working_dir=str(tmp / "cwd"),
        env=env or {},
    )
    return {r.ref.node: r for r in results}


def test_each_rule_in_order(project: Path):
    tmp = project.parent
    got = resolve(
        project,
        ref("rel", "sourceimages/wall.tif"),
        ref("moved", "C:/Projects/Shot 010/cache/tree.####.ass", "aiStandIn", "dso"),
        ref("back", "C:\\Projects\\Shot 010\\cache\\tree.0005.ass", "aiStandIn", "dso"),
        ref("near", "C:/x/near.tif"),
        ref("brick", "C:/Users/me/Desktop/brick.tif"),
        ref("cwd", "E:/nowhere/cwdonly.tif"),
        ref("metal", "Q:/share/a/metal/metal.tif"),  # no UNC: Windows would ask the network
    )
    assert [got[n].rule for n in ("rel", "moved", "back", "near", "brick", "cwd", "metal")] == [
        "as_written",
        "project_reroot",
        "project_reroot",
        "scene_folder",
        "sourceimages",
        "working_dir",
        "search_path",
    ]
    assert got["rel"].files == (str(project / "sourceimages" / "wall.tif"),)
    assert got["moved"].files == tuple(
        str(project / "cache" / f"tree.{f:04d}.ass") for f in (1, 2, 3)
    )
    assert got["moved"].resolved == str(project / "cache" / "tree.####.ass")
    assert got["back"].files == (str(project / "cache" / "tree.0005.ass"),)
    assert got["near"].files == (str(project / "scenes" / "near.tif"),)
    assert got["brick"].files == (str(project / "sourceimages" / "sub" / "brick" / "brick.tif"),)
    assert got["cwd"].files == (str(tmp / "cwd" / "cwdonly.tif"),)
    # the candidate matching more of the written tail (a/metal) wins, without a tie
    assert got["metal"].files == (str(tmp / "lib" / "a" / "metal" / "metal.tif"),)
    assert got["metal"].alternatives == ()
    assert set(RULES) >= {r.rule for r in got.values()}


def test_udim_sets_explicit_and_implied(project: Path):
    got = resolve(
        project,
        ref("tok", "./textures/udim/skin.<UDIM>.tif"),
        ref("mode", "textures/udim/skin.1001.tif", uv_tiling=3),
        ref("plain", "textures/udim/skin.1001.tif"),
    )
    skins = tuple(str(project / "textures" / "udim" / f"skin.{t}.tif") for t in (1001, 1002, 1011))
    assert got["tok"].files == skins
    assert got["mode"].files == skins
    assert got["plain"].files == skins[:1]


def test_frame_sequence_only_over_rendered_frames(project: Path):
    got = resolve(
        project,
        ref("seq", "cache/tree.0001.ass", "aiStandIn", "dso", frame_sequence=True),
        frames=frozenset(range(8, 13)),
    )
    seq = got["seq"]
    assert seq.rule == "as_written"
    assert [Path(f).name for f in seq.files] == [f"tree.{f:04d}.ass" for f in (8, 9, 10)]
    assert seq.missing_frames == (11, 12)


def test_equal_candidates_are_a_warning_not_a_silent_pick(project: Path):
    got = resolve(project, ref("dup", "C:/z/dup.tif"))
    dup = got["dup"]
    assert dup.rule == "sourceimages"
    assert dup.files == (str(project / "sourceimages" / "a" / "dup.tif"),)
    assert dup.alternatives == (str(project / "sourceimages" / "b" / "dup.tif"),)


def test_missing_says_which_search_path_would_help(project: Path):
    got = resolve(project, ref("lost", "C:/anything/lost.tif"))
    lost = got["lost"]
    assert lost.rule is None and lost.resolved is None and lost.files == ()
    old = project / "old"
    assert f"A file of that name exists at {old / 'lost.tif'}; add {old} as a search path" in (
        lost.message
    )
    assert lost.message.startswith("lost.ftn (file): C:/anything/lost.tif not found")


def test_missing_in_another_case_says_rename(project: Path):
    msg = resolve(project, ref("case", "C:/q/WALL2.TIF"))["case"].message
    assert str(project / "old" / "wall2.tif") in msg
    assert "differs only in case or Unicode form" in msg and "rename it to WALL2.TIF" in msg


def test_missing_in_another_unicode_form_says_rename(project: Path):
    decomposed = unicodedata.normalize("NFD", "café.tif")  # as a copy from macOS may hold it
    touch(project / "old" / decomposed)
    msg = resolve(project, ref("nfc", "C:/q/café.tif"))["nfc"].message
    assert str(project / "old" / decomposed) in msg and "rename it to café.tif" in msg


def test_environment_variables(project: Path):
    env = {"TEXROOT": str(project / "sourceimages")}
    got = resolve(
        project,
        ref("dollar", "$TEXROOT/wall.tif"),
        ref("braces", "${TEXROOT}/wall.tif"),
        ref("percent", "%TEXROOT%/wall.tif"),
        ref("unset", "${NOPE}/gone.tif"),
        env=env,
    )
    wall = (str(project / "sourceimages" / "wall.tif"),)
    for name in ("dollar", "braces", "percent"):
        assert got[name].rule == "as_written" and got[name].files == wall
    assert got["unset"].rule is None
    assert "Environment variable $NOPE is not set here" in got["unset"].message


def test_maya_resources_and_empty_paths(project: Path):
    got = resolve(
        project,
        ref(
            "ocio",
            "<MAYA_RESOURCES>/OCIO-configs/Maya2022-default/config.ocio",
            "colorManagementGlobals",
            "cfp",
        ),
        ref("empty", ""),
    )
    assert got["ocio"].rule == "maya_resources" and not got["ocio"].needs_upload
    assert got["empty"].rule is None and "has no file set" in got["empty"].message


def test_relative_path_without_project_tries_the_scene_folder(tmp_path: Path):
    touch(tmp_path / "tex" / "a.tif")
    scene = SceneInfo(scene=str(tmp_path / "s.ma"), references=(ref("f", "./tex/a.tif"),))
    (res,) = resolve_scene(scene, working_dir=str(tmp_path / "elsewhere"), env={})
    assert res.rule == "scene_folder" and res.files == (str(tmp_path / "tex" / "a.tif"),)


def test_relative_path_without_project_asks_for_one(tmp_path: Path):
    scene = SceneInfo(scene=str(tmp_path / "s.ma"), references=(ref("f", "sourceimages/x.tif"),))
    (res,) = resolve_scene(scene, working_dir=str(tmp_path), env={})
    assert res.rule is None
    assert "pass the Maya project with --project" in res.message


def test_arnold_tokens_match_all(project: Path):
    touch(project / "test" / "mari.body.tif")
    touch(project / "test" / "mari.head.tif")
    touch(project / "test" / "mudbox._u1_v1.tif")
    touch(project / "test" / "mudbox._u2_v1.tif")
    got = resolve(
        project,
        ref("attr", "./test/mari.<attr:myString>.tif"),
        ref("shape", "./test/mari.<shapeName>.tif"),
        ref("tile", "./test/mudbox.<tile>.tif"),
        ref("uv", "./test/mudbox._u<utile>_v<vtile>.tif"),
    )
    mari = tuple(str(project / "test" / f"mari.{n}.tif") for n in ("body", "head"))
    mud = tuple(str(project / "test" / f"mudbox._u{u}_v1.tif") for u in (1, 2))
    assert got["attr"].files == mari and got["shape"].files == mari
    assert got["tile"].files == mud and got["uv"].files == mud


def test_folders_are_walked_once(project: Path, monkeypatch):
    calls: list[str] = []
    real = os.scandir

    def counting(path):
        calls.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", counting)
    refs = [ref(f"n{i}", f"C:/far/away/lost{i}.tif") for i in range(50)]
    resolve(project, *refs)
    assert len(calls) == len(set(calls))


def test_shared_paths_resolve_once_but_name_their_own_node(project: Path):
    got = resolve(
        project,
        ref("a", "C:/gone/lost.tif"),
        ref("b", "C:/gone/lost.tif", "aiImage", "filename"),
        ref("c", "./textures/udim/skin.<UDIM>.tif"),
        ref("d", "./textures/udim/skin.<UDIM>.tif"),
    )
    assert got["a"].message.startswith("a.ftn (file): C:/gone/lost.tif not found")
    assert got["b"].message.startswith("b.filename (aiImage): C:/gone/lost.tif not found")
    assert got["b"].ref.node_type == "aiImage"
    assert got["c"].files == got["d"].files and len(got["d"].files) == 3


def test_token_first_names_are_found_in_search_paths(project: Path):
    lib = project.parent / "lib" / "tiles"
    for t in (1001, 1002):
        touch(lib / f"{t}_base.tif")
    got = resolve(project, ref("t", "C:/x/<UDIM>_base.tif"))
    assert got["t"].rule == "search_path"
    assert got["t"].files == (str(lib / "1001_base.tif"), str(lib / "1002_base.tif"))


def test_a_cache_folder_reference_brings_its_files(project: Path):
    for name in ("fluidShape1.xml", "fluidShape1Frame1.mcx"):
        touch(project / "cache" / "nCache" / "fluid" / name)
    touch(project.parent / "lib" / "caches" / "smoke" / "smokeShape.xml")
    got = resolve(
        project,
        ref("fluidCache", "C:/Shots/s010/cache/nCache/fluid", "cacheFile", "cp"),
        ref("smokeCache", "D:/old/smoke", "cacheFile", "cp"),
        ref("goneCache", "D:/old/gone", "cacheFile", "cp"),
    )
    fluid = project / "cache" / "nCache" / "fluid"
    assert got["fluidCache"].rule == "project_reroot" and got["fluidCache"].resolved == str(fluid)
    assert got["fluidCache"].files == (
        str(fluid / "fluidShape1.xml"),
        str(fluid / "fluidShape1Frame1.mcx"),
    )
    smoke = project.parent / "lib" / "caches" / "smoke"
    assert got["smokeCache"].rule == "search_path"
    assert got["smokeCache"].files == (str(smoke / "smokeShape.xml"),)
    assert got["goneCache"].rule is None and "D:/old/gone not found" in got["goneCache"].message


def test_a_sequence_without_the_rendered_frames_says_so(project: Path):
    got = resolve(project, ref("seq", "cache/tree.####.ass", "aiStandIn", "dso"),
                  frames=frozenset(range(20, 31)))  # fmt: skip
    msg = got["seq"].message
    assert got["seq"].rule is None
    assert "has no file for the frames being rendered (20-30)" in msg
    assert f"the sequence at {project / 'cache'} holds other frames" in msg


def test_resolving_together_or_one_by_one_gives_the_same(project: Path):
    """The rules run over all references at once (one pass per tree); each outcome must be what
    that reference alone gets."""
    tmp = project.parent
    touch(tmp / "lib" / "seq" / "tree.0002.ass")
    touch(tmp / "lib" / "old" / "tree.0002.ass")
    refs = [
        ref("rel", "sourceimages/wall.tif"),
        ref("moved", "C:/Projects/Shot 010/cache/tree.####.ass", "aiStandIn", "dso"),
        ref("near", "C:/x/near.tif"),
        ref("brick", "C:/Users/me/Desktop/brick.tif"),
        ref("dup", "C:/z/dup.tif"),
        ref("cwd", "E:/nowhere/cwdonly.tif"),
        ref("metal", "Q:/share/a/metal/metal.tif"),
        ref("udim", "D:\\t\\textures\\udim\\skin.1001.tif", uv_tiling=3),
        ref("tiles", "C:/t/SKIN.<UDIM>.tif"),  # another case: only in the missing hint
        ref("seq", "C:/x/seq/tree.0001.ass", "aiStandIn", "dso", frame_sequence=True),
        ref("tie", "C:/x/tree.0001.ass", "aiStandIn", "dso", frame_sequence=True),
        ref("lost", "C:/anything/lost.tif"),
        ref("frames", "cache/tree.####.ass", "aiStandIn", "dso"),
        ref("empty", ""),
    ]
    together = resolve(project, *refs)
    for one in refs:
        alone = resolve(project, one)[one.node]
        assert together[one.node] == alone, one.node
    rules = {n: r.rule for n, r in together.items()}
    seq, tie = together["seq"], together["tie"]
    assert seq.files == (str(tmp / "lib" / "seq" / "tree.0002.ass"),) and not seq.alternatives
    assert tie.rule == "search_path" and tie.alternatives == (str(tmp / "lib/seq/tree.<f>.ass"),)
    assert seq.missing_frames == (1, 3)
    assert rules["udim"] == "project_reroot" and rules["tiles"] is None
    assert together["moved"].missing_frames == ()


def test_the_garbage_collector_is_left_as_it_was(project: Path):
    import gc

    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    resolve(project, ref("a", "C:/x/near.tif"))
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0  # its objects join the oldest generation, none stay frozen
    # an application that freezes objects itself keeps them frozen
    held: list[list[int]] = [[] for _ in range(3)]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen >= len(held)
        resolve(project, ref("a", "C:/x/near.tif"))
        assert gc.get_freeze_count() == frozen and gc.isenabled()
    finally:
        gc.unfreeze()
    gc.disable()
    try:
        resolve(project, ref("a", "C:/x/near.tif"))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_found_results_are_whole_frozen_values(project: Path):
    """Found results (and their patterns) are built by filling `__dict__`: every field is set."""
    import dataclasses

    from azure_batch_maya.assets.resolve import Resolution
    from azure_batch_maya.assets.tokens import NamePattern, compile_name

    got = resolve(
        project,
        ref("udim", "C:/o/textures/udim/skin.<UDIM>.tif"),
        ref("c", "C:/o/cache/tree.####.ass"),
    )
    for res in got.values():
        assert res.found
        assert set(vars(res)) == {f.name for f in dataclasses.fields(Resolution)}
        assert res == Resolution(**vars(res)) and hash(res) == hash(Resolution(**vars(res)))
        with pytest.raises(dataclasses.FrozenInstanceError):
            res.rule = None
    pattern = compile_name("skin.<UDIM>.tif")
    assert pattern is not None
    assert set(vars(pattern)) == {f.name for f in dataclasses.fields(NamePattern)}
    assert pattern == NamePattern(**vars(pattern))
    assert got["udim"].files[-1].endswith("skin.1011.tif") and got["c"].missing_frames == ()
