"""The renderers' path-mapping files: one table, so the plan and a farm's files agree."""

from __future__ import annotations

import pytest

from azure_batch_maya.node.plan import root_text
from azure_batch_maya.render.farmmapping import farm_mapping
from azure_batch_maya.render.pathfiles import FORMATS
from azure_batch_maya.render.planmapping import plan_mapping
from azure_batch_maya.render.renderers import RENDERERS, renderer_for

from .conftest import LOCAL_NAME, Built


def test_every_renderer_that_reads_a_mapping_file_has_its_format():
    assert {r.path_file_env for r in RENDERERS.values()} - {None} == set(FORMATS)


@pytest.mark.parametrize("renderer", ["arnold", "redshift"])
def test_the_plan_s_file_rooted_on_a_node_is_the_farm_s_file(windows_project: Built, renderer):
    root = "D:/azbm/assets"
    plan = plan_mapping(windows_project.project, "windows", renderer_for(renderer))
    farm = farm_mapping(windows_project.project, "windows", root, "D:/azbm/mapping")
    (path_file,) = plan.path_files
    assert path_file.env == renderer_for(renderer).path_file_env
    assert farm.env[path_file.env] == f"D:/azbm/mapping/{path_file.name}"
    assert root_text(path_file, root) == farm.files[path_file.name]
    quoted = renderer == "redshift" and '"' in LOCAL_NAME  # Redshift's format cannot hold it
    assert bool(plan.warnings) == quoted and bool(farm.skipped) == ('"' in LOCAL_NAME)


def test_a_renderer_without_a_mapping_file_gets_none_in_the_plan(windows_project: Built):
    plan = plan_mapping(windows_project.project, "linux", renderer_for("vray"))
    assert plan.path_files == () and plan.warnings == ()
    assert plan.pathmap.dirs and all(n.startswith("@AZBM_ROOT@") for _s, n in plan.pathmap.dirs)
