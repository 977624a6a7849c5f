"""Every real scene in shared/scenes scans to exactly the references its .expected.tsv lists."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from azure_batch_maya.scene.ma_reader import read_ma
from tests.conftest import SHARED_SCENES, require_shared_scenes

SCENES = sorted(SHARED_SCENES.glob("*.ma")) if SHARED_SCENES.is_dir() else []


def expected_references(scene: Path) -> Counter[tuple[str, ...]]:
    with Path(f"{scene}.expected.tsv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert rows[0] == ["node_name", "node_type", "attribute", "raw_path"]
    return Counter(tuple(row) for row in rows[1:] if row)


@pytest.mark.parametrize("scene", SCENES, ids=[s.name for s in SCENES])
def test_scene_references_match_expected(scene: Path) -> None:
    info = read_ma(scene)
    got = Counter((r.node, r.node_type, r.attribute, r.path) for r in info.references)
    assert got == expected_references(scene)


def test_all_shared_scenes_are_covered() -> None:
    require_shared_scenes()
    assert len(SCENES) >= 15


def test_render_setup_layers_of_a_real_scene(shared_scenes: Path) -> None:
    info = read_ma(shared_scenes / "07_arnoldSettings_LGT_base_v032.ma")
    layers = {layer.name: layer for layer in info.layers}
    assert layers["rs_creature_adult"].render_setup == "creature_adult"
    assert layers["rs_creature_adult"].renderable
    assert not layers["rs_shadow"].renderable
    assert not layers["defaultRenderLayer"].renderable
    assert info.frames.start == 1001 and info.frames.end == 1010
    assert info.renderer == "arnold"
    assert info.image_prefix == "<Scene>/<RenderLayer>/<Scene>.<RenderLayer>.<RenderPass>"


def test_plugins_with_versions_are_listed_once(shared_scenes: Path) -> None:
    info = read_ma(shared_scenes / "07_arnoldSettings_LGT_base_v032.ma")
    assert [(p.name, p.version) for p in info.plugins] == [
        ("mtoa", "2.1.0.2"),
        ("renderSetup.py", "1.0"),
        ("stereoCamera", "10.0"),
    ]
    mtoa = info.plugins[0]
    assert "aiOptions" in mtoa.node_types
