"""Job building on the bundled example scene: tasks, preparation, outputs, metadata, export."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from azure.batch import models

from azure_batch_maya.node.nodemap import ROOT_TOKEN
from azure_batch_maya.render.autoscale import AutoscalePlan, formula
from azure_batch_maya.render.job import JobBuildError, build_job, export_job, to_batch_models
from azure_batch_maya.render.settings import (
    LicenceServers,
    PoolChoice,
    SettingsError,
    SubmitSettings,
)
from azure_batch_maya.render.shipping import shipped_files
from tests.node.example import NOW, example, example_job, inputs


def test_one_task_per_frame_of_the_example():
    job = example_job()
    assert job.job.id == "shot010_lighting-20261126-210000"
    assert [t.id for t in job.tasks] == [f"frames-000{i}" for i in range(1, 6)]
    first = job.tasks[0]
    assert first.command_line == (
        "/bin/bash -c 'exec mayapy \"${AZ_BATCH_JOB_PREP_WORKING_DIR}\"/azbm render frames-0001'"
    )
    assert job.plan.task("frames-0001").images == (
        "shot010_lighting/masterLayer/shot010_lighting.0001.png",
    )
    assert job.renderer.scene_name == "arnold"


def test_chunks_and_the_stand_in_are_on_the_command_line():
    job = example_job(SubmitSettings(chunk_size=2, stand_in=True))
    assert [t.id for t in job.tasks] == ["frames-0001-0002", "frames-0003-0004", "frames-0005"]
    assert all(t.command_line.endswith(" --stand-in'") for t in job.tasks)
    assert "python3" in job.tasks[0].command_line
    assert job.job.metadata["renderer"] == "arnold (stand-in)"
    assert "--stand-in" not in example_job().tasks[0].command_line


def test_job_preparation_fetches_code_plan_and_manifest_once_per_node():
    prep = example_job().job.preparation
    assert prep is not None and prep.wait_for_success
    assert prep.command_line.endswith("/azbm fetch'")
    targets = {r.file_path: r.http_url for r in prep.resource_files}
    assert targets["azbm/manifest.json"] == inputs().manifest_url
    assert targets["azbm/plan.json"] == inputs().plan_url
    for rel, _local in shipped_files():
        assert targets[f"azbm/{rel}"] == inputs().code_urls[rel]
    assert prep.environment["AZBM_STORE_URL"] == inputs().store_url


def test_output_files_images_and_logs_upload_whether_the_task_fails_or_not():
    job = example_job()
    task = job.tasks[2]
    outputs = {(o.pattern, o.path, o.upload_condition) for o in task.output_files}
    prefix = job.job.id
    assert outputs == {
        ("images/**/*", f"{prefix}/images", "taskcompletion"),
        ("../stdout.txt", f"{prefix}/logs/{task.id}/stdout.txt", "taskcompletion"),
        ("../stderr.txt", f"{prefix}/logs/{task.id}/stderr.txt", "taskcompletion"),
    }
    assert all(o.container_url == inputs().outputs_url for o in task.output_files)


def test_retries_limits_environment_and_metadata():
    settings = SubmitSettings(
        max_task_retries=3,
        job_time_limit=timedelta(hours=6),
        task_time_limit=timedelta(hours=1),
        licences=LicenceServers(autodesk="27000@lic"),
        environment={"STUDIO": "x y"},
    )
    job = example_job(settings)
    assert job.job.max_task_retry_count == 3
    assert job.job.max_wall_clock_time == timedelta(hours=6)
    assert job.tasks[0].max_retries == 3 and job.tasks[0].max_wall_clock_time == timedelta(hours=1)
    assert job.job.terminate_when_tasks_complete
    assert job.job.environment["ADSKFLEX_LICENSE_FILE"] == "27000@lic"
    assert job.job.environment["STUDIO"] == "x y"
    assert job.job.metadata == {
        "scene": "shot010_lighting.ma",
        "renderer": "arnold",
        "frames": "1-5",
        "project": "shot010",
        "created_by": job.job.metadata["created_by"],
    }


def test_pool_modes():
    auto = example_job()
    assert auto.job.auto_pool is not None and auto.job.pool_id is None and auto.new_pool is None
    existing = example_job(SubmitSettings(pool=PoolChoice("existing", "farm")))
    assert existing.job.pool_id == "farm" and existing.job.auto_pool is None
    new = example_job(SubmitSettings(pool=PoolChoice("new", "shot-pool"), spot_nodes=4))
    assert new.new_pool is not None and new.new_pool.id == "shot-pool"
    assert new.new_pool.spot_nodes == 4 and new.job.pool_id == "shot-pool"


def test_the_plan_maps_every_node_path_below_the_root_token():
    plan = example_job().plan
    assert plan.scene.startswith(ROOT_TOKEN) and plan.scene.endswith("shot010_lighting.ma")
    pathmap = plan.pathmap
    assert all(n.startswith(ROOT_TOKEN) for _s, n in pathmap.dirs)
    assert {s for s, _n in pathmap.dirs} >= {"C:/Projects/", "D:/Library/Textures/"}
    remapped = dict(pathmap.remaps)
    assert remapped["treeShape.dso"].endswith("/shot010/cache/tree.####.ass")
    assert remapped["wood_albedo.ftn"].endswith("/sourceimages/wood_albedo.png")  # backslashes
    (arnold,) = plan.path_files
    assert arnold.env == "ARNOLD_PATHMAP" and ROOT_TOKEN in arnold.text
    assert arnold.name == "azbm_arnold_pathmap.json" and arnold.json_text


def test_sdk_models_and_export(tmp_path: Path):
    job = example_job(SubmitSettings(job_time_limit=timedelta(hours=2)))
    job_model, task_models = to_batch_models(job)
    assert isinstance(job_model, models.BatchJobCreateOptions)
    assert job_model.job_preparation_task is not None
    assert len(task_models) == 5
    written = export_job(job, tmp_path / "export")
    assert sorted(p.name for p in written) == ["job.json", "plan.json", "tasks.json"]
    doc = json.loads((tmp_path / "export" / "job.json").read_text("utf-8"))
    assert doc["id"] == job.job.id
    assert doc["constraints"]["maxWallClockTime"] == "PT02H00M00S"
    assert doc["poolInfo"]["autoPoolSpecification"]["pool"]["vmSize"] == "Standard_D8s_v5"
    assert doc["metadata"][0] == {"name": "scene", "value": "shot010_lighting.ma"}
    tasks = json.loads((tmp_path / "export" / "tasks.json").read_text("utf-8"))
    assert [t["id"] for t in tasks] == [t.id for t in job.tasks]
    conditions = {o["uploadOptions"]["uploadCondition"] for o in tasks[0]["outputFiles"]}
    assert conditions == {"taskcompletion"}


def test_a_new_pool_is_exported_too(tmp_path: Path):
    job = example_job(SubmitSettings(pool=PoolChoice("new", "p1")))
    names = {p.name for p in export_job(job, tmp_path)}
    assert "pool.json" in names


def test_a_new_autoscale_pool_sends_the_formula_instead_of_node_counts(tmp_path: Path):
    plan = AutoscalePlan(6, 0.5, 15)
    settings = SubmitSettings(pool=PoolChoice("new", "p1"), autoscale=plan)
    export_job(example_job(settings), tmp_path)
    pool = json.loads((tmp_path / "pool.json").read_text("utf-8"))
    assert pool["enableAutoScale"] is True
    assert pool["autoScaleFormula"] == formula(6, 0.5, 15)
    assert pool["autoScaleEvaluationInterval"] == "PT05M00S"  # as azure-batch 15 writes it
    assert "targetDedicatedNodes" not in pool and "targetLowPriorityNodes" not in pool


def test_autoscale_is_for_a_new_pool_only():
    with pytest.raises(SettingsError, match="pools autoscale ID --max N"):
        SubmitSettings(pool=PoolChoice("existing", "farm"), autoscale=AutoscalePlan(2))


def test_an_unsupported_renderer_is_refused():
    ex = example()
    scene = replace(ex.scene, renderer="renderman")
    with pytest.raises(JobBuildError, match="Arnold"):
        build_job(scene, ex.project, SubmitSettings(), inputs(), now=NOW)


def test_windows_nodes_get_cmd_lines_and_windows_path_maps():
    job = example_job(SubmitSettings(node_os="windows"))
    assert job.tasks[0].command_line.startswith('cmd /d /v:off /s /c "')
    assert "%AZ_BATCH_JOB_PREP_WORKING_DIR%\\azbm" in job.tasks[0].command_line
    assert '"windows"' in job.plan.path_files[0].text


@pytest.mark.skipif(sys.platform == "win32", reason="runs /bin/bash")
def test_the_task_command_line_runs_under_bash_with_a_hostile_interpreter_path(tmp_path: Path):
    folder = tmp_path / 'it\'s $HOME; a "b" & 100% été!'
    folder.mkdir()
    fake = folder / "py thon"
    record = tmp_path / "argv.json"
    fake.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    job = example_job(SubmitSettings(node_python=str(fake)))
    prep = tmp_path / "prep dir $x"
    env = {**os.environ, "AZ_BATCH_JOB_PREP_WORKING_DIR": str(prep)}
    subprocess.run(shlex.split(job.tasks[3].command_line), check=True, env=env)
    assert json.loads(record.read_text()) == [f"{prep}/azbm", "render", "frames-0004"]


def test_renderer_options_need_the_render_launcher_and_must_exist():
    from azure_batch_maya.render.job import JobBuildError
    from azure_batch_maya.render.renderers import render_command, renderer_for

    with pytest.raises(JobBuildError, match="Render launcher"):
        example_job(SubmitSettings(renderer_options={"verbosity": "2"}))
    with pytest.raises(JobBuildError, match="no option 'gpu'"):
        example_job(SubmitSettings(renderer_options={"gpu": "1"}, render_command=("Render",)))
    options = {"verbosity": "2"}
    launcher = render_command(renderer_for("arnold"), options)
    job = example_job(SubmitSettings(renderer_options=options, render_command=launcher))
    assert job.plan.command is not None and job.plan.command[:3] == ("Render", "-r", "arnold")
    assert "-ai:lve" in job.plan.command


def test_a_chosen_job_id_must_be_valid_for_batch():
    from azure_batch_maya.render.job import JobBuildError

    assert example_job(SubmitSettings(job_id="shot_010-v2")).job.id == "shot_010-v2"
    with pytest.raises(JobBuildError, match="not valid for Batch"):
        example_job(SubmitSettings(job_id="shot 010"))


def test_an_empty_prefix_gets_maya_s_camera_folders_and_the_node_sets_it():
    from azure_batch_maya.scene.model import Camera

    ex = example()
    cameras = (Camera("aShape", "camA", renderable=True), Camera("bShape", "camB", renderable=True))
    scene = replace(ex.scene, image_prefix="", cameras=cameras)
    job = build_job(scene, ex.project, SubmitSettings(frames="1"), inputs(), now=NOW)
    assert job.plan.naming.prefix == "<Camera>/<Scene>"
    (task,) = job.plan.tasks.values()
    assert task.images == (
        "camA/shot010_lighting.0001.png",
        "camB/shot010_lighting.0001.png",
    )


def test_v_ray_jobs_tell_the_node_which_prefix_v_ray_reads():
    ex = example()
    job = build_job(
        replace(ex.scene, renderer="vray"), ex.project, SubmitSettings(), inputs(), now=NOW
    )
    assert job.plan.prefix_plug == "vraySettings.fileNamePrefix"
    assert not any("V-Ray" in w for w in job.warnings)
