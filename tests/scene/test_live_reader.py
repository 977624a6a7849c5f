"""The live reader against a fake `maya.cmds`: it must agree with the offline reader."""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

import pytest

from azure_batch_maya.scene.ma_reader import read_ma
from tests.scene.fake_cmds import FakeCmds, FakeNode

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "scenes" / "render_settings.ma"


def render_settings_in_maya(project: str) -> FakeCmds:
    """The scene of fixtures/scenes/render_settings.ma as a live Maya session holds it."""
    globals_ = {
        "currentRenderer": "arnold",
        "startFrame": 1001.0,
        "endFrame": 1100.0,
        "byFrameStep": 2.0,
        "animation": True,
        "imageFilePrefix": "<Scene>/<RenderLayer>/<Scene>_<RenderLayer>",
        "imfPluginKey": "exr",
        "modifyExtension": False,
    }
    nodes = {
        "defaultRenderGlobals": FakeNode("renderGlobals", globals_),
        "defaultArnoldDriver": FakeNode("aiAOVDriver", {"ai_translator": "exr"}),
        "persp": FakeNode("transform"),
        "perspShape": FakeNode("camera", {"renderable": False}, parent="persp"),
        "shotCam": FakeNode("transform"),
        "shotCamShape": FakeNode("camera", {"renderable": True}, parent="shotCam"),
        "setRN": FakeNode("reference"),
        "set:propRN": FakeNode("reference", referenced=True),
        "sharedReferenceNode": FakeNode("reference"),
        "wood": FakeNode(
            "file",
            {
                "fileTextureName": 'C:\\Projects\\Shot 010\\sourceimages\\wood "old".tif',
                "useFrameExtension": False,
                "uvTilingMode": 0,
            },
        ),
        "skin": FakeNode(
            "file",
            {"fileTextureName": "sourceimages/skin.<UDIM>.tx", "uvTilingMode": 3},
        ),
        "flipbook": FakeNode(
            "file",
            {"fileTextureName": "sourceimages/flip/flip.####.png", "useFrameExtension": True},
        ),
        "set:wall": FakeNode("file", {"fileTextureName": "wall.tif"}, referenced=True),
        "treeShape": FakeNode(
            "aiStandIn",
            {"dso": "C:/Projects/Shot 010/cache/tree.####.ass", "useFrameExtension": True},
            parent="tree",
        ),
        "anim_abc": FakeNode(
            "AlembicNode",
            {
                "abc_File": "cache/anim.abc",
                "abc_layerFiles": ["cache/anim.abc", "cache/anim_layer.abc"],
            },
        ),
        "defaultColorMgtGlobals": FakeNode(
            "colorManagementGlobals",
            {"configFilePath": "<MAYA_RESOURCES>/OCIO-configs/Maya2022-default/config.ocio"},
        ),
        "defaultRenderLayer": FakeNode("renderLayer", {"renderable": False}),
        "beauty": FakeNode("renderSetupLayer"),
        "rs_beauty": FakeNode("renderLayer", {"renderable": True}),
        "shadow": FakeNode("renderSetupLayer"),
        "rs_shadow": FakeNode("renderLayer", {"renderable": False}),
    }
    return FakeCmds(
        nodes=nodes,
        connections=[
            ("rs_beauty.message", "beauty.legacyRenderLayer"),
            ("rs_shadow.message", "shadow.legacyRenderLayer"),
        ],
        reference_files={
            "setRN": "C:/Projects/Shot 010/assets/set/set_v003.ma",
            "set:propRN": "C:/Projects/Shot 010/assets/prop/prop.ma",
        },
        plugins_in_use=["mtoa", "5.4.5", "renderSetup.py", "1.0"],
        scene_name=str(FIXTURE),
        workspace_root=project,
    )


def load_live_reader(monkeypatch: pytest.MonkeyPatch, cmds: FakeCmds) -> types.ModuleType:
    maya = types.ModuleType("maya")
    maya.cmds = cmds  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "maya", maya)
    monkeypatch.delitem(sys.modules, "azure_batch_maya.scene.live_reader", raising=False)
    return importlib.import_module("azure_batch_maya.scene.live_reader")


def test_live_reader_agrees_with_the_offline_reader(monkeypatch, tmp_path):
    live = load_live_reader(monkeypatch, render_settings_in_maya(str(tmp_path))).read_live()
    offline = read_ma(FIXTURE)
    for field in ("renderer", "frames", "animation", "image_prefix", "image_format", "layers"):
        assert getattr(live, field) == getattr(offline, field), field
    assert live.cameras == offline.cameras
    assert [(p.name, p.version) for p in live.plugins] == [
        (p.name, p.version) for p in offline.plugins
    ]
    assert sorted(live.references, key=repr) == sorted(offline.references, key=repr)
    assert live.project_root == str(tmp_path.resolve())
    assert live.warnings == ()


def test_nodes_from_referenced_files_are_left_to_their_own_scene(monkeypatch, tmp_path):
    live = load_live_reader(monkeypatch, render_settings_in_maya(str(tmp_path))).read_live()
    assert "set:wall" not in {r.node for r in live.references}
    assert "sharedReferenceNode" not in {r.node for r in live.references}


def test_unloaded_plugin_types_are_skipped(monkeypatch, tmp_path):
    cmds = render_settings_in_maya(str(tmp_path))
    cmds.loaded_types = {"file", "reference", "camera", "renderLayer", "renderSetupLayer"}
    live = load_live_reader(monkeypatch, cmds).read_live()
    assert {r.node_type for r in live.references} == {"file", "reference"}


def test_unexpected_plugin_answer_is_loud(monkeypatch, tmp_path):
    cmds = render_settings_in_maya(str(tmp_path))
    cmds.plugins_in_use = ["mtoa"]
    live = load_live_reader(monkeypatch, cmds).read_live()
    assert live.plugins == ()
    assert any("pluginsInUse" in w for w in live.warnings)


def test_reference_node_without_a_file_is_a_warning(monkeypatch, tmp_path):
    cmds = render_settings_in_maya(str(tmp_path))
    cmds.nodes["orphanRN"] = FakeNode("reference")
    live = load_live_reader(monkeypatch, cmds).read_live()
    assert any("orphanRN" in w for w in live.warnings)
