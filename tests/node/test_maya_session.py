"""The mayapy steps over a recording stand-in for `maya.cmds`: order, naming, each renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.node.imagenames import ImageNaming
from azure_batch_maya.node.maya_session import (
    RENDER_CALLS,
    MayaSessionError,
    render_in_session,
)
from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.node.plan import Plan, TaskEntry


class RecordingCmds:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str):
        return lambda *args, **kwargs: self.calls.append((name, args, kwargs))

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


def plan(renderer: str) -> Plan:
    return Plan(
        job_id="j",
        scene="@AZBM_ROOT@/C/s.ma",
        renderer=renderer,
        plugins=("mtoa",) if renderer == "arnold" else (),
        naming=ImageNaming("<Scene>", "exr", 5),
        pathmap=NodeMapping(workspace=None, dirs=()),
        tasks={},
    )


TASK = TaskEntry("t", (1.0, 2.0), ("rs_a", "rs_b"), ("cam",), ())
MAPPING = NodeMapping(
    workspace="/r/C/proj",
    dirs=(("C:/proj/", "/r/C/proj/"),),
    files=(("C:/x/odd.tif", "/r/odd.tif"),),
    remaps=(("file1.ftn", "/r/C/proj/a.<UDIM>.tif"),),
    ocio="/r/ocio/config.ocio",
)


@pytest.mark.parametrize("renderer", sorted(RENDER_CALLS))
def test_every_renderer_renders_each_layer_camera_and_frame_after_mapping(renderer):
    cmds = RecordingCmds()
    render_in_session(cmds, plan(renderer), TASK, MAPPING, "/r/C/proj/s.ma", Path("/w/images"))
    names = cmds.names()
    opened = names.index("file")
    assert cmds.calls[opened][1] == ("/r/C/proj/s.ma",) and cmds.calls[opened][2]["open"]
    mapped = [
        c[2]["mapDirectory"] for c in cmds.calls if c[0] == "dirmap" and c[2].get("mapDirectory")
    ]
    assert mapped == [("C:/proj/", "/r/C/proj/"), ("C:/x/odd.tif", "/r/odd.tif")]
    assert max(i for i, n in enumerate(names) if n == "dirmap") < opened
    assert ("setAttr", ("file1.ftn", "/r/C/proj/a.<UDIM>.tif"), {"type": "string"}) in cmds.calls[
        opened:
    ]
    assert ("setAttr", ("defaultRenderGlobals.extensionPadding", 5), {}) in cmds.calls
    prefix = plan(renderer).naming.prefix
    assert ("setAttr", ("defaultRenderGlobals.imageFilePrefix", prefix), {"type": "string"}) in (
        cmds.calls[opened:]
    )
    layers = [c[2]["currentRenderLayer"] for c in cmds.calls if c[0] == "editRenderLayerGlobals"]
    assert layers == ["rs_a", "rs_b"]
    render_calls = [
        n for n in names if n in {"render", "ogsRender", "arnoldRender", "vrend", "rsRender"}
    ]
    assert len(render_calls) == 4  # 2 layers × 1 camera × 2 frames


def test_arnold_is_told_to_abort_on_licence_failure():
    cmds = RecordingCmds()
    render_in_session(cmds, plan("arnold"), TASK, MAPPING, "/s.ma", Path("/w"))
    assert cmds.calls[0] == ("loadPlugin", ("mtoa",), {"quiet": True})
    assert ("setAttr", ("defaultArnoldRenderOptions.abortOnLicenseFail", True), {}) in cmds.calls


def test_an_unknown_renderer_fails_before_anything_runs():
    cmds = RecordingCmds()
    with pytest.raises(MayaSessionError, match="renderman"):
        render_in_session(cmds, plan("renderman"), TASK, MAPPING, "/s.ma", Path("/w"))
    assert cmds.calls == []


ONE = TaskEntry("t", (7.0,), ("rs_a",), ("cam",), ())


def last_render(renderer: str) -> tuple[RecordingCmds, tuple[str, tuple[Any, ...], dict[str, Any]]]:
    cmds = RecordingCmds()
    render_in_session(cmds, plan(renderer), ONE, MAPPING, "/s.ma", Path("/w"))
    return cmds, cmds.calls[-1]


def test_each_renderer_is_called_as_deadline_clouds_handlers_call_it():
    # docs/rendering-on-nodes.md compares each call with its source
    assert last_render("mayaSoftware")[1] == ("render", ("cam",), {"layer": "rs_a"})
    assert last_render("arnold")[1] == (
        "arnoldRender",
        (),
        {"batch": True, "seq": "7", "camera": "cam"},
    )
    assert last_render("vray")[1] == ("vrend", (), {"camera": "cam"})
    assert last_render("redshift")[1] == (
        "rsRender",
        (),
        {"render": True, "batch": True, "animation": True, "camera": "cam"},
    )


@pytest.mark.parametrize("renderer", ["mayaSoftware", "mayaHardware2", "redshift"])
def test_a_batch_render_reads_a_range_of_just_the_tasks_frame(renderer):
    cmds, _ = last_render(renderer)
    assert ("setAttr", ("defaultRenderGlobals.startFrame", 7.0), {}) in cmds.calls
    assert ("setAttr", ("defaultRenderGlobals.endFrame", 7.0), {}) in cmds.calls
    assert ("currentTime", (7.0,), {}) in cmds.calls


def test_vray_renders_only_the_tasks_frame_to_images_on_this_machine():
    cmds, _ = last_render("vray")
    forced = {c[1][0]: c[1][1] for c in cmds.calls if c[0] == "setAttr"}
    assert forced["vraySettings.animType"] == 2 and forced["vraySettings.animFrames"] == "7"
    assert forced["vraySettings.dontSaveImage"] == 0 and forced["vraySettings.vrscene_on"] == 0
    assert forced["vraySettings.sys_distributed_rendering_on"] == 0


def test_arnold_renders_images_not_ass_files_and_fails_on_errors():
    cmds, _ = last_render("arnold")
    forced = {c[1][0]: c[1][1] for c in cmds.calls if c[0] == "setAttr"}
    assert forced["defaultArnoldRenderOptions.renderType"] == 0
    assert forced["defaultArnoldRenderOptions.abortOnError"] is True
    assert forced["defaultArnoldRenderOptions.abortOnLicenseFail"] is True
    render = max(i for i, c in enumerate(cmds.calls) if c[0] == "arnoldRender")
    settings = max(i for i, c in enumerate(cmds.calls) if c[0] == "setAttr")
    assert settings < render


def test_v_ray_gets_the_job_s_prefix_on_its_own_settings_node_too():
    from dataclasses import replace

    cmds = RecordingCmds()
    vray = replace(plan("vray"), prefix_plug="vraySettings.fileNamePrefix")
    render_in_session(cmds, vray, TASK, MAPPING, "/r/C/proj/s.ma", Path("/w/images"))
    prefixes = {c[1][0]: c[1][1] for c in cmds.calls if c[0] == "setAttr" and "refix" in c[1][0]}
    assert prefixes == {
        "defaultRenderGlobals.imageFilePrefix": "<Scene>",
        "vraySettings.fileNamePrefix": "<Scene>",
    }
    arnold = RecordingCmds()
    render_in_session(arnold, plan("arnold"), TASK, MAPPING, "/r/C/proj/s.ma", Path("/w/images"))
    assert not any(c[0] == "setAttr" and c[1][0].startswith("vraySettings") for c in arnold.calls)
