"""The node-side mapping: the plan's root token swapped for the node's root, dirmap's rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from azure_batch_maya.node.nodemap import ROOT_TOKEN, NodeMapping, PlanError

PLAN = NodeMapping(
    workspace=f"{ROOT_TOKEN}/C/Shot",
    dirs=(("C:/Shot/", f"{ROOT_TOKEN}/C/Shot/"), ("//srv/lib/", f"{ROOT_TOKEN}/UNC/srv/lib/")),
    files=(("C:/Shot/odd.tif", f"{ROOT_TOKEN}/elsewhere/odd.tif"),),
    remaps=(("file1.ftn", f"{ROOT_TOKEN}/C/Shot/tex/a.<UDIM>.tif"),),
    ocio=f"{ROOT_TOKEN}/C/ocio/config.ocio",
)


def test_paths_map_like_dirmap_with_the_real_root():
    m = PLAN.rooted("D:\\batch\\wd\\assets\\")
    root = "D:/batch/wd/assets"
    assert m.map_written("C:\\Shot\\tex\\b.tif") == f"{root}/C/Shot/tex/b.tif"
    assert m.map_written("//srv/lib/x.tif") == f"{root}/UNC/srv/lib/x.tif"
    assert m.map_written("C:/Shot/odd.tif") == f"{root}/elsewhere/odd.tif"  # exact entry first
    assert m.map_written("tex/rel.tif") == f"{root}/C/Shot/tex/rel.tif"  # workspace-relative
    assert m.map_written("Z:/nowhere/x.tif") == "Z:/nowhere/x.tif"
    assert m.value_for("file1.ftn", "C:/whatever") == f"{root}/C/Shot/tex/a.<UDIM>.tif"
    assert m.ocio == f"{root}/C/ocio/config.ocio"


def test_a_plan_path_without_the_root_token_is_refused():
    bad = replace(PLAN, dirs=(("C:/", "/abs/elsewhere/"),))
    with pytest.raises(PlanError, match="does not start with"):
        bad.rooted("/r")
    with pytest.raises(PlanError, match="does not start with"):
        replace(PLAN, ocio="C:/ocio/config.ocio").rooted("/r")
