"""Plans written by the job builder read back on the node; other versions are refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azure_batch_maya.node.nodemap import ROOT_TOKEN, PlanError
from azure_batch_maya.node.plan import PathFile, load_plan, plan_from_json, root_text
from tests.node.example import example_job


def test_the_built_plan_reads_back(tmp_path: Path):
    job = example_job()
    (tmp_path / "plan.json").write_text(job.plan_text)
    plan = load_plan(tmp_path / "plan.json")
    assert plan.job_id == job.job.id and plan.renderer == "arnold" and plan.plugins == ("mtoa",)
    assert list(plan.tasks) == [t.id for t in job.tasks]
    assert plan.task("frames-0003").frames == (3.0,)
    assert plan.naming.padding == 4 and plan.naming.extension == "png"


def test_other_versions_and_damage_are_refused(tmp_path: Path):
    data = json.loads(example_job().plan_text)
    with pytest.raises(PlanError, match="different versions"):
        plan_from_json({**data, "version": 99})
    del data["tasks"]
    with pytest.raises(PlanError, match="tasks"):
        plan_from_json(data)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(PlanError, match="unreadable"):
        load_plan(tmp_path / "bad.json")


def test_roots_go_into_path_files_escaped_for_their_format():
    json_file = PathFile("ARNOLD_PATHMAP", "a.json", f'{{"x": "{ROOT_TOKEN}/a"}}', True)
    assert json.loads(root_text(json_file, 'C:\\b "q"')) == {"x": 'C:/b "q"/a'}
    text_file = PathFile("REDSHIFT_PATHOVERRIDE_FILE", "r.txt", f'"C:/" "{ROOT_TOKEN}/C/"', False)
    assert root_text(text_file, "/mnt/r/") == '"C:/" "/mnt/r/C/"'
