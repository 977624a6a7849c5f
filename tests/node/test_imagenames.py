"""Image names from the prefix tokens, padding and format; unknowns are errors, not guesses."""

from __future__ import annotations

import pytest

from azure_batch_maya.node.imagenames import (
    ImageNameError,
    ImageNaming,
    effective_prefix,
    expand_prefix,
    image_extension,
)


def test_tokens_layers_cameras_and_padding():
    naming = ImageNaming("<Scene>/<RenderLayer>/<Camera>_<RenderPass>", "exr", 4)
    name = naming.name(scene="shot", layer="rs_fx", camera="cams:main", frame=7)
    assert name == "shot/rs_fx/cams_main_beauty.0007.exr"
    assert naming.name(scene="s", layer="defaultRenderLayer", camera="c", frame=12).startswith(
        "s/masterLayer/"
    )
    assert ImageNaming("", "png", 3).name(scene="s", layer="l", camera="c", frame=5) == "s.005.png"
    assert expand_prefix("%s_%l_%c", scene="a", layer="b", camera="c") == "a_b_c"
    assert expand_prefix("<scene>\\x", scene="a", layer="b", camera="c") == "a/x"


def test_what_cannot_be_predicted_is_refused():
    with pytest.raises(ImageNameError, match="<Version2>"):
        expand_prefix("<Version2>/x", scene="a", layer="b", camera="c")
    with pytest.raises(ImageNameError, match="inside the images folder"):
        expand_prefix("../<Scene>", scene="a", layer="b", camera="c")
    with pytest.raises(ImageNameError, match="fractional"):
        ImageNaming("x", "png").name(scene="a", layer="b", camera="c", frame=1.5)
    with pytest.raises(ImageNameError, match="'psd2'"):
        image_extension("psd2", "exr")


def test_extensions_from_format_or_the_renderer_default():
    assert image_extension("jpeg", "exr") == "jpg"
    assert image_extension("", "exr") == "exr"
    assert image_extension("", "iff") == "iff"
    assert image_extension("TIF", "exr") == "tif"


def test_an_empty_prefix_gets_maya_s_own_layer_and_camera_folders():
    assert effective_prefix("", layers=1, cameras=1) == "<Scene>"
    assert effective_prefix("", layers=2, cameras=1) == "<RenderLayer>/<Scene>"
    assert effective_prefix(" ", layers=2, cameras=3) == "<RenderLayer>/<Camera>/<Scene>"
    assert effective_prefix("out/<Scene>", layers=2, cameras=3) == "out/<Scene>"


def test_render_setup_layers_are_named_by_their_shown_name():
    from dataclasses import replace

    from azure_batch_maya.node.imagenames import ImageNaming
    from azure_batch_maya.render.job import task_images
    from azure_batch_maya.render.tasks import RenderTask
    from azure_batch_maya.scene.model import RenderLayer
    from tests.node.example import example

    scene = replace(
        example().scene,
        layers=(RenderLayer("defaultRenderLayer"), RenderLayer("rs_beauty", render_setup="beauty")),
    )
    naming = ImageNaming("<RenderLayer>/<Scene>", "exr")
    task = RenderTask("t", (1.0,), ("defaultRenderLayer", "rs_beauty"), ("cam",))
    assert task_images(scene, naming, task) == (
        "masterLayer/shot010_lighting.0001.exr",
        "beauty/shot010_lighting.0001.exr",
    )
