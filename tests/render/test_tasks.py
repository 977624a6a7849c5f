"""Tasks from frames, chunks, layers and cameras; ids Batch accepts and never repeats."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.tasks import (
    MAX_ID,
    TaskPlanError,
    chunks,
    plan_tasks,
    render_layers,
    safe_id,
)
from azure_batch_maya.scene.model import Camera, FrameRange, RenderLayer, SceneInfo

VALID_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

SCENE = SceneInfo(
    scene="/p/scenes/shot.ma",
    frames=FrameRange(1, 5, 1),
    layers=(
        RenderLayer("defaultRenderLayer", renderable=False),
        RenderLayer("rs_beauty", render_setup="beauty"),
        RenderLayer("rs_fx;v2 été", render_setup="fx;v2 été"),
        RenderLayer("rs_off", renderable=False, render_setup="off"),
    ),
    cameras=(
        Camera("perspShape", "persp", renderable=False),
        Camera("shotCamShape", "shotCam", renderable=True),
        Camera("wideShape", "wide", renderable=True),
    ),
)


def test_one_task_per_frame_by_default_with_all_layers_and_cameras():
    tasks = plan_tasks(SCENE, SubmitSettings())
    assert [t.frames for t in tasks] == [(1.0,), (2.0,), (3.0,), (4.0,), (5.0,)]
    assert [t.id for t in tasks] == [f"frames-000{i}" for i in range(1, 6)]
    assert all(t.layers == ("rs_beauty", "rs_fx;v2 été") for t in tasks)
    assert all(t.cameras == ("shotCam", "wide") for t in tasks)


def test_chunks_and_frame_overrides():
    tasks = plan_tasks(SCENE, SubmitSettings(frames="1-10x2", chunk_size=2))
    assert [t.frames for t in tasks] == [(1, 3), (5, 7), (9,)]
    assert [t.id for t in tasks] == ["frames-0001-0003x2", "frames-0005-0007x2", "frames-0009"]
    assert chunks((1.0, 2.0, 3.0), 5) == ((1.0, 2.0, 3.0),)
    stepped = plan_tasks(SCENE, SubmitSettings(step=2, chunk_size=10))
    assert stepped[0].frames == (1, 3, 5)


def test_split_by_layer_and_camera_gives_valid_unique_ids():
    settings = SubmitSettings(split_layers=True, split_cameras=True, chunk_size=3)
    tasks = plan_tasks(SCENE, settings)
    assert len(tasks) == 2 * 2 * 2
    assert len({t.id.lower() for t in tasks}) == len(tasks)
    assert all(VALID_ID.match(t.id) for t in tasks)
    assert {(t.layers, t.cameras) for t in tasks} == {
        ((layer,), (cam,)) for layer in ("rs_beauty", "rs_fx;v2 été") for cam in ("shotCam", "wide")
    }
    assert tasks[0].id == "frames-0001-0003_rs_beauty_shotCam"


def test_layers_are_picked_by_legacy_render_setup_or_shown_name():
    assert render_layers(SCENE, ("beauty",)) == ("rs_beauty",)
    assert render_layers(SCENE, ("rs_off", "masterLayer")) == ("rs_off", "defaultRenderLayer")
    expected = r"no render layer 'nope' \(it has: masterLayer, beauty"
    with pytest.raises(TaskPlanError, match=expected):
        render_layers(SCENE, ("nope",))


def test_a_scene_without_renderable_cameras_or_frames_is_refused():
    no_cams = replace(SCENE, cameras=(Camera("perspShape", "persp", renderable=False),))
    with pytest.raises(TaskPlanError, match="no camera is renderable"):
        plan_tasks(no_cams, SubmitSettings())
    with pytest.raises(TaskPlanError, match="cannot read frames"):
        plan_tasks(SCENE, SubmitSettings(frames="1..5"))


def test_ids_are_safe_short_and_keep_different_names_apart():
    long = "x" * 100
    assert len(safe_id(long)) == MAX_ID and VALID_ID.match(safe_id(long))
    assert safe_id("a.b") != safe_id("a,b")  # both sanitise to a-b; the hash keeps them apart
    assert VALID_ID.match(safe_id("été/∂"))
    assert safe_id("frames-0001") == "frames-0001"


def test_names_that_collide_after_sanitising_still_get_unique_ids():
    scene = replace(
        SCENE,
        layers=(RenderLayer("rs_a"), RenderLayer("RS_A")),
        cameras=(Camera("c", "cam", renderable=True),),
    )
    tasks = plan_tasks(scene, SubmitSettings(split_layers=True))
    ids = [t.id for t in tasks]
    assert len({i.lower() for i in ids}) == len(ids)
