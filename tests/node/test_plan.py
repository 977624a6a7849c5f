"""Plans written by the job builder read back on the node; other versions and damage are named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.node.imagenames import ImageNaming
from azure_batch_maya.node.nodemap import ROOT_TOKEN, NodeMapping, PlanError
from azure_batch_maya.node.plan import PathFile, Plan, TaskEntry, load_plan, root_text
from tests.node.example import example_job

# The plan file as version 1 wrote it before `Plan.to_json` existed (a dict literal in the
# job builder): old plans must still read.
WRITTEN_BY_HAND: dict[str, Any] = {
    "version": 1,
    "job_id": "shot-1",
    "scene": f"{ROOT_TOKEN}/C/s.ma",
    "renderer": "redshift",
    "plugins": ["redshift4maya"],
    "naming": {"prefix": "<Scene>", "extension": "exr", "padding": 4, "prefix_plug": None},
    "pathmap": {"workspace": None, "dirs": [["C:/", f"{ROOT_TOKEN}/C/"]], "ocio": None},
    "path_files": [{"env": "R", "name": "r.txt", "text": "x", "json": False}],
    "command": None,
    "renderer_options": {},
    "tasks": [{"id": "f1", "frames": [1, 2.5], "layers": ["a"], "cameras": ["c"], "images": ["i"]}],
}


def test_the_built_plan_reads_back_equal(tmp_path: Path):
    job = example_job()
    (tmp_path / "plan.json").write_text(job.plan_text)
    plan = load_plan(tmp_path / "plan.json")
    assert plan == job.plan
    assert plan.job_id == job.job.id and plan.renderer == "arnold" and plan.plugins == ("mtoa",)
    assert list(plan.tasks) == [t.id for t in job.tasks]
    assert plan.task("frames-0003").frames == (3.0,)
    assert plan.naming.padding == 4 and plan.naming.extension == "png"
    assert job.plan_text.isascii()


def test_a_plan_of_every_field_round_trips():
    plan = Plan(
        job_id="j",
        scene=f"{ROOT_TOKEN}/C/é.ma",
        renderer="vray",
        naming=ImageNaming("<Camera>/<Scene>", "exr", 5),
        pathmap=NodeMapping(
            workspace=f"{ROOT_TOKEN}/C/p",
            dirs=(("C:/p/", f"{ROOT_TOKEN}/C/p/"),),
            files=(("C:/x.tif", f"{ROOT_TOKEN}/x.tif"),),
            remaps=(("f.ftn", f"{ROOT_TOKEN}/a.<UDIM>.tif"),),
            ocio=f"{ROOT_TOKEN}/o.ocio",
        ),
        tasks={"t": TaskEntry("t", (1.0, 1.5), ("l",), ("c",), ("c/a.0001.exr",))},
        plugins=("vrayformaya",),
        path_files=(PathFile("ARNOLD_PATHMAP", "a.json", "{}", True),),
        command=("Render", "{scene}"),
        renderer_options={"threads": "4"},
        prefix_plug="vraySettings.fileNamePrefix",
    )
    assert Plan.from_json(plan.to_json()) == plan


def test_a_plan_written_as_a_dict_by_earlier_versions_still_reads():
    plan = Plan.from_json(json.dumps(WRITTEN_BY_HAND))
    assert plan.task("f1").frames == (1.0, 2.5) and plan.pathmap.files == ()
    assert plan.prefix_plug == "defaultRenderGlobals.imageFilePrefix"
    assert plan.path_files == (PathFile("R", "r.txt", "x", False),)


def damaged(**changes: Any) -> str:
    return json.dumps({**WRITTEN_BY_HAND, **changes})


def without(key: str) -> str:
    return json.dumps({k: v for k, v in WRITTEN_BY_HAND.items() if k != key})


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (damaged(version=99), "different versions"),
        (damaged(tasks=None), "tasks in the plan is damaged"),
        (without("job_id"), "job_id is missing"),
        (damaged(naming=None), "naming is damaged: not a JSON object"),
        (damaged(tasks=[{"id": "f1"}]), r"tasks\[0\]\.frames is missing"),
        (damaged(tasks=[{**WRITTEN_BY_HAND["tasks"][0], "frames": ["1"]}]), "tasks.0..frames"),
        (damaged(naming={"prefix": "p", "extension": "exr", "padding": "4"}), "naming.padding"),
        (damaged(pathmap={"dirs": [["C:/"]]}), r"pathmap\.dirs .*pairs"),
        (damaged(path_files=[{"env": "R"}]), r"path_files\[0\]\.name is missing"),
        (damaged(renderer_options={"a": 1}), "renderer_options"),
        (damaged(scene=None), "scene in the plan is damaged .None is not a string"),
        (damaged(scene="C:/proj/shot.ma"), "scene in the plan is damaged .'C:/proj/shot.ma' is no"),
        ("[1]", "not a JSON object"),
        ("{", "not JSON"),
    ],
)
def test_damage_is_refused_naming_the_field(text: str, named: str):
    with pytest.raises(PlanError, match=named) as caught:
        Plan.from_json(text)
    assert "submit" in str(caught.value)


def test_a_plan_file_missing_or_damaged_names_the_file(tmp_path: Path):
    with pytest.raises(PlanError, match="preparation task did not fetch it"):
        load_plan(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text(damaged(job_id=3))
    with pytest.raises(PlanError, match=r"bad\.json: job_id in the plan is damaged"):
        load_plan(tmp_path / "bad.json")


def test_an_unknown_task_is_named_with_the_job():
    plan = Plan.from_json(json.dumps(WRITTEN_BY_HAND))
    with pytest.raises(PlanError, match="'f9' is not in the plan of job shot-1"):
        plan.task("f9")


def test_roots_go_into_path_files_escaped_for_their_format():
    json_file = PathFile("ARNOLD_PATHMAP", "a.json", f'{{"x": "{ROOT_TOKEN}/a"}}', True)
    assert json.loads(root_text(json_file, 'C:\\b "q"')) == {"x": 'C:/b "q"/a'}
    text_file = PathFile("REDSHIFT_PATHOVERRIDE_FILE", "r.txt", f'"C:/" "{ROOT_TOKEN}/C/"', False)
    assert root_text(text_file, "/mnt/r/") == '"C:/" "/mnt/r/C/"'
