"""The offline .ma reader on small fixtures covering each MEL construct and render setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.ma_reader import parse_ma, read_ma
from azure_batch_maya.scene.model import FileRef

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scenes"
HEADER = '//Maya ASCII 2025 scene\n//Codeset: {codeset}\nrequires maya "2025";\n'


def scene_bytes(body: str, codeset: str = "UTF-8", encoding: str = "utf-8") -> bytes:
    return (HEADER.format(codeset=codeset) + body + "// End of a.ma\n").encode(encoding)


@pytest.fixture(scope="module")
def info():
    return read_ma(FIXTURES / "render_settings.ma")


def test_render_settings(info):
    assert info.renderer == "arnold"
    assert (info.frames.start, info.frames.end, info.frames.step) == (1001, 1100, 2)
    assert info.animation is True
    assert info.image_prefix == "<Scene>/<RenderLayer>/<Scene>_<RenderLayer>"
    assert info.image_format == "exr"
    assert info.maya_version == "2025"
    assert info.codeset == "1252"
    assert info.renumber_frames is False


def test_cameras_follow_the_renderable_flag(info):
    assert [(c.shape, c.transform, c.renderable) for c in info.cameras] == [
        ("perspShape", "persp", False),
        ("shotCamShape", "shotCam", True),
    ]


def test_legacy_and_render_setup_layers(info):
    assert [(layer.name, layer.renderable, layer.render_setup) for layer in info.layers] == [
        ("defaultRenderLayer", False, None),
        ("rs_beauty", True, "beauty"),
        ("rs_shadow", False, "shadow"),
    ]
    assert [layer.display_name for layer in info.layers] == ["masterLayer", "beauty", "shadow"]


def test_plugins_from_multi_line_requires(info):
    assert [(p.name, p.version) for p in info.plugins] == [
        ("mtoa", "5.4.5"),
        ("renderSetup.py", "1.0"),
    ]
    assert info.plugins[0].node_types == ("aiOptions", "aiAOVDriver", "aiStandIn")


def test_references_one_per_reference_node_nested_included(info):
    refs = [r for r in info.references if r.node_type == "reference"]
    assert [(r.node, r.path) for r in refs] == [
        ("setRN", "C:/Projects/Shot 010/assets/set/set_v003.ma"),
        ("set:propRN", "C:/Projects/Shot 010/assets/prop/prop.ma"),
    ]


def test_file_attributes_unescaped_with_node_hints(info):
    files = {(r.node, r.attribute): r for r in info.references if r.node_type != "reference"}
    assert files["wood", "ftn"].path == 'C:\\Projects\\Shot 010\\sourceimages\\wood "old".tif'
    assert files["skin", "ftn"] == FileRef(
        "skin", "file", "ftn", "sourceimages/skin.<UDIM>.tx", frame_sequence=False, uv_tiling=3
    )
    assert files["flipbook", "ftn"].frame_sequence is True
    assert files["treeShape", "dso"].frame_sequence is True  # .ufe set after .dso
    assert files["defaultColorMgtGlobals", "cfp"].node_type == "colorManagementGlobals"


def test_string_array_attributes_give_one_reference_each(info):
    abc = [(r.attribute, r.path) for r in info.references if r.node == "anim_abc"]
    assert abc == [
        ("fn", "cache/anim.abc"),
        ("fns", "cache/anim.abc"),
        ("fns", "cache/anim_layer.abc"),
    ]


def test_custom_attributes_and_script_strings_are_not_references(info):
    paths = {r.path for r in info.references}
    assert "C:/reference/moodboard.jpg" not in paths
    assert "x.tif" not in paths
    assert info.warnings == ()


def test_unknown_attribute_holding_a_path_is_a_warning_not_a_reference():
    body = (
        'createNode RedshiftDomeLight -n "dome";\n'
        '\tsetAttr ".tex0" -type "string" "D:/hdri/studio.exr";\n'
    )
    info = parse_ma(scene_bytes(body), scene="dome.ma")
    assert info.references == ()
    assert len(info.warnings) == 1
    assert "dome.tex0" in info.warnings[0] and "D:/hdri/studio.exr" in info.warnings[0]


def test_defaults_when_render_globals_are_not_set():
    info = parse_ma(scene_bytes('createNode transform -n "a";\n'), scene="a.ma")
    assert info.renderer == "mayaSoftware"
    assert (info.frames.start, info.frames.end, info.frames.step) == (1, 10, 1)
    assert info.animation is False
    assert info.image_prefix == ""


def test_a_truncated_scene_warns_that_defaults_stand_in():
    whole = scene_bytes(
        'select -ne :defaultRenderGlobals;\n\tsetAttr ".ren" -type "string" "arnold";\n'
    )
    assert parse_ma(whole, scene="a.ma").warnings == ()
    cut = whole[: whole.index(b"select")]
    (warning,) = parse_ma(cut, scene="a.ma").warnings
    assert "may be truncated" in warning and "mayaSoftware, frames 1-10" in warning


def test_v_ray_names_images_from_its_own_settings():
    body = (
        'select -ne :defaultRenderGlobals;\n\tsetAttr ".ren" -type "string" "vray";\n'
        '\tsetAttr ".ifp" -type "string" "ignored/<Scene>";\n'
        'createNode VRaySettingsNode -s -n "vraySettings";\n'
        '\tsetAttr ".fnprx" -type "string" "<Scene>/<Layer>/beauty";\n'
        '\tsetAttr ".imgfs" -type "string" "exr (multichannel)";\n'
    )
    info = parse_ma(scene_bytes(body), scene="a.ma")
    assert (info.image_prefix, info.image_format) == ("<Scene>/<Layer>/beauty", "exr")


def test_renumber_frames_and_later_select_blocks_win():
    body = (
        'select -ne :defaultRenderGlobals;\n\tsetAttr ".ef" 5;\n'
        'createNode transform -n "a";\n'
        'select -ne :defaultRenderGlobals;\n\tsetAttr ".ef" 24;\n\tsetAttr ".me" yes;\n'
    )
    info = parse_ma(scene_bytes(body), scene="a.ma")
    assert info.frames.end == 24
    assert info.renumber_frames is True


def test_set_attr_at_column_zero_stays_with_its_node():
    body = 'createNode file -n "f";\nsetAttr ".ftn" -type "string" "tex/a.png";\n'
    info = parse_ma(scene_bytes(body), scene="a.ma")
    assert [(r.node, r.path) for r in info.references] == [("f", "tex/a.png")]


@pytest.mark.parametrize(
    ("codeset", "encoding", "path"),
    [
        ("932", "cp932", "C:/プロジェクト/ソース/表.tif"),  # ソ and 表 end in byte 0x5C
        ("949", "cp949", "C:/프로젝트/텍스처.tif"),
        ("1252", "cp1252", "C:/Projets/Café/façade.tif"),
        ("UTF-8", "utf-8", "/proj/テクスチャ/ÿ€.tif"),
    ],
)
def test_codesets_decode_paths(codeset, encoding, path):
    body = f'createNode file -n "f";\n\tsetAttr ".ftn" -type "string" "{path}";\n'
    info = parse_ma(scene_bytes(body, codeset, encoding), scene="a.ma")
    assert [r.path for r in info.references] == [path]
    assert info.warnings == ()


def test_project_root_is_found_from_workspace_mel(tmp_path):
    (tmp_path / "workspace.mel").write_text('workspace -fr "images" "images";\n')
    scenes = tmp_path / "scenes" / "shot"
    scenes.mkdir(parents=True)
    scene = scenes / "a.ma"
    scene.write_bytes(scene_bytes('createNode transform -n "a";\n'))
    assert read_ma(scene).project_root == str(tmp_path.resolve())
    other = tmp_path / "elsewhere"
    other.mkdir()
    assert read_ma(scene, project=other).project_root == str(other.resolve())


def test_maya_binary_gets_a_clear_message(tmp_path):
    scene = tmp_path / "shot.mb"
    scene.write_bytes(b"FOR4\x00\x00\x00\x40Maya")
    with pytest.raises(SceneError, match=r"Maya binary.*needs Maya ASCII \(\.ma\)"):
        read_ma(scene)
    renamed = tmp_path / "shot.ma"
    renamed.write_bytes(b"FOR4\x00\x00\x00\x40Maya")
    with pytest.raises(SceneError, match="Maya binary"):
        read_ma(renamed)
