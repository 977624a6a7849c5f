"""Files used by referenced scenes, read in turn with the real .ma reader."""

from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.render.validation import validate
from azure_batch_maya.scene.ma_reader import read_ma


def ma(*lines: str) -> str:
    return (
        '//Maya ASCII 2025 scene\n//Codeset: 65001\nrequires maya "2025";\n'
        + "\n".join(lines)
        + "\n"
    )


def reference(node: str, path: str) -> str:
    return f'file -r -ns "{node[:-2]}" -rfn "{node}" -typ "mayaAscii" "{path}";'


def texture(node: str, path: str) -> str:
    return f'createNode file -n "{node}";\n\tsetAttr ".ftn" -type "string" "{path}";'


def test_nested_references_bring_their_files_once(tmp_path: Path):
    proj = tmp_path / "proj"
    (proj / "sourceimages").mkdir(parents=True)
    (proj / "workspace.mel").write_text("")
    (proj / "sourceimages" / "wood.tif").write_bytes(b"")
    (proj / "sourceimages" / "nail.tif").write_bytes(b"")
    assets = proj / "assets"
    assets.mkdir()
    (assets / "chair.ma").write_text(ma(
        reference("nailRN", "C:/old/assets/nail.ma"),
        reference("loopRN", "C:/old/scenes/shot.ma"),  # refers back to the shot: read once
        texture("wood", "sourceimages/wood.tif"),
        texture("varnish", "C:/old/sourceimages/varnish.tif"),
    ))  # fmt: skip
    (assets / "nail.ma").write_text(ma(texture("nail", "sourceimages/nail.tif")))
    (assets / "old.mb").write_bytes(b"FOR4")
    (proj / "scenes").mkdir()
    shot = proj / "scenes" / "shot.ma"
    shot.write_text(ma(
        reference("chairRN", "C:/old/assets/chair.ma"),
        reference("chair2RN", "C:/old/assets/chair.ma"),
        reference("oldRN", "C:/old/assets/old.mb"),
    ))  # fmt: skip
    scene = read_ma(shot)
    results = resolve_scene(scene, env={}, working_dir=str(tmp_path), read_scene=read_ma)
    top, nested = results[:3], results[3:]
    assert [r.rule for r in top] == ["project_reroot"] * 3
    by_node = {r.ref.node: r for r in nested}
    assert sorted(by_node) == ["loopRN", "nail", "nailRN", "varnish", "wood"]
    assert by_node["wood"].via == ("chairRN",)
    assert by_node["wood"].files == (str(proj / "sourceimages" / "wood.tif"),)
    assert by_node["nail"].via == ("chairRN", "nailRN")
    assert by_node["nail"].files == (str(proj / "sourceimages" / "nail.tif"),)
    assert by_node["varnish"].rule is None
    assert by_node["varnish"].message.startswith(
        f"In reference chairRN ({assets / 'chair.ma'}): varnish.ftn (file): "
    )
    codes = {(f.code, f.level) for f in validate(scene, results)}
    assert ("missing-asset", "error") in codes and ("binary-reference", "notice") in codes
