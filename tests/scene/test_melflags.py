"""Every flag form of the MEL commands the offline reader understands: long and short names,
in any order, before or after the arguments, with and without values, as Maya accepts them."""

from __future__ import annotations

import pytest

from azure_batch_maya.scene import melflags
from azure_batch_maya.scene.ma_reader import parse_ma
from azure_batch_maya.scene.mel import statements
from azure_batch_maya.scene.model import SceneInfo

HEADER = "//Maya ASCII 2025 scene\n//Codeset: UTF-8\n"


def scan(body: str) -> SceneInfo:
    return parse_ma((HEADER + body).encode(), scene="/p/scenes/a.ma", project_root="/p")


def words(text: str) -> melflags.Parsed:
    stmt = next(statements(text))
    syntax = {s.command: s for s in ALL}[stmt.command]
    return melflags.parse(stmt.tokens[1:], syntax)


ALL = (
    melflags.CREATE_NODE,
    melflags.SET_ATTR,
    melflags.ADD_ATTR,
    melflags.FILE,
    melflags.REQUIRES,
    melflags.FILE_INFO,
    melflags.CURRENT_UNIT,
    melflags.CONNECT_ATTR,
    melflags.SELECT,
)


def test_no_name_stands_for_two_flags_of_one_command():
    for syntax in ALL:
        for flag in syntax.flags:
            assert syntax.flag(f"-{flag.long}") == flag, (syntax.command, flag.long)
            assert syntax.flag(f"-{flag.short}") == flag, (syntax.command, flag.short)


def test_parse_splits_flags_from_arguments_and_keeps_repeats():
    parsed = words('requires -nt "aiOptions" -nodeType "aiStandIn" -dt "x" "mtoa" "5.4";')
    assert parsed.values("nodeType") == ["aiOptions", "aiStandIn"]
    assert parsed.values("dataType") == ["x"]
    assert [t.text for t in parsed.args] == ["mtoa", "5.4"]
    assert parsed.unknown == ()


def test_negative_numbers_are_values_not_flags():
    parsed = words('setAttr ".t" -type "double3" -1 -.5 2;')
    assert [t.text for t in parsed.args] == [".t", "-1", "-.5", "2"]


def test_an_unknown_flag_is_reported():
    assert words('createNode mesh -n "a" -bogus;').unknown == ("-bogus",)


# --- createNode -------------------------------------------------------------------------

CAMERA = 'setAttr ".rnd" yes;\n'


@pytest.mark.parametrize(
    "statement",
    [
        'createNode camera -n "shotCamShape" -p "shotCam";',
        'createNode camera -name "shotCamShape" -parent "shotCam";',
        'createNode -n "shotCamShape" -p "shotCam" camera;',
        'createNode -parent "shotCam" camera -name "shotCamShape";',
        'createNode camera -s -n "shotCamShape" -p "shotCam";',
        'createNode camera -shared -name "shotCamShape" -skipSelect -parent "shotCam";',
        'createNode -ss camera -n "shotCamShape" -p "shotCam";',
    ],
)
def test_create_node_flag_forms(statement):
    info = scan(f"{statement}\n\t{CAMERA}")
    assert [(c.shape, c.transform, c.renderable) for c in info.cameras] == [
        ("shotCamShape", "shotCam", True)
    ]
    assert not [w for w in info.warnings if "does not know" in w]


# --- setAttr ----------------------------------------------------------------------------

FILE_NODE = 'createNode file -n "wall";\n\t'


@pytest.mark.parametrize(
    "statement",
    [
        'setAttr ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr ".ftn" -typ "string" "C:/tex/wall.tif";',
        'setAttr -type "string" ".ftn" "C:/tex/wall.tif";',
        'setAttr -k off -l on ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr -keyable off -lock on -type "string" ".ftn" "C:/tex/wall.tif";',
        'setAttr -av ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr -alteredValue -channelBox on ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr -c -ca on ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr -clamp -caching on -ch 4 ".ftn" -type "string" "C:/tex/wall.tif";',
        'setAttr ".ftn" -type "string" "C:/tex/wall.tif" -l on;',
        'setAttr -s 1 ".ftn" -capacityHint 2 -type "string" "C:/tex/wall.tif";',
    ],
)
def test_set_attr_flag_forms(statement):
    info = scan(FILE_NODE + statement + "\n")
    assert [(r.node, r.attribute, r.path) for r in info.references] == [
        ("wall", "ftn", "C:/tex/wall.tif")
    ]
    assert not [w for w in info.warnings if "does not know" in w]


@pytest.mark.parametrize(
    "statement",
    [
        'setAttr ".fs" 1001;',
        'setAttr -k on ".fs" 1001;',
        'setAttr ".fs" -l on 1001;',
        'setAttr -lock on -keyable on ".fs" 1001;',
        'setAttr -av ".fs" 1001;',
    ],
)
def test_set_attr_numeric_values_survive_flags(statement):
    info = scan(f"select -ne :defaultRenderGlobals;\n\t{statement}\n")
    assert info.frames.start == 1001


# --- addAttr ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'addAttr -ci true -sn "bk" -ln "backdrop" -dt "string";',
        'addAttr -cachedInternally true -shortName "bk" -longName "backdrop" -dataType "string";',
        'addAttr -ci true -uaf -sn "bk" -ln "backdrop" -dt "string";',
        'addAttr -usedAsFilename -m -h false -sn "bk" -ln "backdrop" -dt "string";',
        'addAttr -uac -k true -ln "backdrop" -sn "bk" -dt "string";',
    ],
)
def test_add_attr_flag_forms_mark_custom_attributes(statement):
    """A custom string attribute holding a path is the user's own: the reader stays quiet."""
    body = (
        f'createNode transform -n "set";\n\t{statement}\n'
        '\tsetAttr ".bk" -type "string" "C:/plates/bg.exr";\n'
    )
    info = scan(body)
    assert not [w for w in info.warnings if "looks like a file" in w]
    assert not [w for w in info.warnings if "does not know" in w]


# --- file -r / -rdi -----------------------------------------------------------------------

REFERENCE_PATH = "C:/proj/assets/chair.ma"


@pytest.mark.parametrize(
    "statement",
    [
        f'file -rdi 1 -ns "chair" -rfn "chairRN" -op "v=0;" -typ "mayaAscii" "{REFERENCE_PATH}";',
        f'file -r -ns "chair" -dr 1 -rfn "chairRN" -op "v=0;" -typ "mayaAscii" "{REFERENCE_PATH}";',
        f'file -reference -namespace "chair" -deferReference 1 -referenceNode "chairRN" '
        f'-options "v=0;" -type "mayaAscii" "{REFERENCE_PATH}";',
        f'file -referenceDepthInfo 1 -namespace "chair" -referenceNode "chairRN" '
        f'"{REFERENCE_PATH}";',
        f'file "{REFERENCE_PATH}" -r -rfn "chairRN" -ns "chair";',
        f'file -r -gl -lck -ns "chair" -rfn "chairRN" -typ "mayaAscii" "{REFERENCE_PATH}";',
        f'file -r -groupReference -groupName "chairGrp" -mnc 0 -rpr "chair" -ns "chair" '
        f'-rfn "chairRN" "{REFERENCE_PATH}";',
        f'file -r -shd "renderLayersByName" -shd "displayLayersByName" -ns "chair" '
        f'-rfn "chairRN" "{REFERENCE_PATH}";',
    ],
)
def test_file_reference_flag_forms(statement):
    info = scan(statement + "\n")
    assert [(r.node, r.node_type, r.path) for r in info.references] == [
        ("chairRN", "reference", REFERENCE_PATH)
    ]
    assert not [w for w in info.warnings if "does not know" in w]


def test_file_reference_node_falls_back_to_the_namespace():
    info = scan(f'file -r -namespace "chair" "{REFERENCE_PATH}";\n')
    assert [r.node for r in info.references] == ["chairRN"]


def test_a_file_statement_that_is_not_a_reference_adds_nothing():
    assert scan(f'file -f -o "{REFERENCE_PATH}";\n').references == ()


# --- requires -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'requires -nodeType "aiOptions" -nodeType "aiStandIn" "mtoa" "5.4.5";',
        'requires -nt "aiOptions" -nt "aiStandIn" "mtoa" "5.4.5";',
        'requires "mtoa" "5.4.5" -nt "aiOptions" -nodeType "aiStandIn";',
        'requires -dataType "aiData" -nt "aiOptions" -dt "x" -nt "aiStandIn" "mtoa" "5.4.5";',
    ],
)
def test_requires_flag_forms(statement):
    info = scan(statement + "\n")
    assert [(p.name, p.version, p.node_types) for p in info.plugins] == [
        ("mtoa", "5.4.5", ("aiOptions", "aiStandIn"))
    ]


# --- fileInfo and currentUnit -----------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        'fileInfo "version" "2024";',
        'fileInfo -rfn "chairRN" "version" "2024";',
        'fileInfo -referenceNode "chairRN" "version" "2024";',
    ],
)
def test_file_info_flag_forms(statement):
    assert scan(f'requires maya "2025";\n{statement}\n').maya_version == "2024"


def test_file_info_remove_is_not_a_version():
    assert scan('requires maya "2025";\nfileInfo -rm "version";\n').maya_version == "2025"


@pytest.mark.parametrize(
    "statement",
    [
        "currentUnit -l centimeter -a degree -t film;",
        "currentUnit -linear centimeter -angle degree -time ntsc;",
        "currentUnit -t film -ua 0 -f;",
        "currentUnit -time film -updateAnimation false -fullName;",
    ],
)
def test_current_unit_flag_forms_are_understood(statement):
    info = scan(f'{statement}\nfileInfo "version" "2024";\n')
    assert info.maya_version == "2024"
    assert not [w for w in info.warnings if "does not know" in w]


# --- connectAttr and select --------------------------------------------------------------------

LAYERS = (
    'createNode renderLayer -n "rs_beauty";\n'
    'createNode renderSetupLayer -n "beauty";\n'
    "select -ne :defaultRenderGlobals;\n"
    '\tsetAttr ".ren" -type "string" "arnold";\n'
)


@pytest.mark.parametrize(
    "statement",
    [
        'connectAttr "rs_beauty.msg" "beauty.lrl";',
        'connectAttr "rs_beauty.msg" "beauty.legacyRenderLayer";',
        'connectAttr -f "rs_beauty.msg" "beauty.lrl";',
        'connectAttr "rs_beauty.msg" "beauty.lrl" -na;',
        'connectAttr -force -lock on "rs_beauty.msg" "beauty.lrl";',
        'connectAttr -nextAvailable "rs_beauty.msg" "beauty.legacyRenderLayer" -l off;',
        'connectAttr -rd "beautyRN" "rs_beauty.msg" "beauty.lrl";',
    ],
)
def test_connect_attr_flag_forms_link_render_setup_layers(statement):
    info = scan(f"{LAYERS}{statement}\n")
    assert [(layer.name, layer.render_setup) for layer in info.layers] == [("rs_beauty", "beauty")]


@pytest.mark.parametrize(
    "statement",
    [
        "select -ne :defaultRenderGlobals;",
        "select -noExpand :defaultRenderGlobals;",
        "select :defaultRenderGlobals -ne;",
        "select -r -ne :defaultRenderGlobals;",
    ],
)
def test_select_flag_forms(statement):
    info = scan(f'{statement}\n\tsetAttr ".ren" -type "string" "arnold";\n')
    assert info.renderer == "arnold"
