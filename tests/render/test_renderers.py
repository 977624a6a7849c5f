"""The renderer table: scene names to `Render -r` names, options, and the refusal."""

from __future__ import annotations

import pytest

from azure_batch_maya.render.renderers import (
    RENDERERS,
    UnsupportedRendererError,
    render_command,
    renderer_for,
)


def test_scene_renderer_names_map_to_render_names():
    names = {k: r.render_name for k, r in RENDERERS.items()}
    assert names == {
        "mayaSoftware": "sw",
        "mayaHardware2": "hw2",
        "arnold": "arnold",
        "vray": "vray",
        "redshift": "redshift",
    }
    assert renderer_for("arnold").plugin == "mtoa"
    assert renderer_for("redshift").environment == {"REDSHIFT_FORCEQUITONINTERNALERROR": "1"}


def test_an_unsupported_renderer_is_refused_naming_the_supported_ones():
    with pytest.raises(UnsupportedRendererError) as err:
        renderer_for("renderman")
    message = str(err.value)
    assert "'renderman'" in message
    for label in ("Maya Software", "Maya Hardware 2.0", "Arnold", "V-Ray", "Redshift"):
        assert label in message


def test_options_become_render_flags_and_unknown_ones_are_refused():
    arnold = renderer_for("arnold")
    assert arnold.render_flags({"verbosity": "2", "threads": "8"}) == (
        "-ai:lve",
        "2",
        "-ai:threads",
        "8",
    )
    with pytest.raises(UnsupportedRendererError, match="no option 'gpu'"):
        arnold.render_flags({"gpu": "1"})
    assert render_command(arnold, {"verbosity": "1"})[:3] == ("Render", "-r", "arnold")
    assert "-ai:lve" in render_command(arnold, {"verbosity": "1"})


def test_the_render_launcher_tells_arnold_to_abort_on_a_licence_failure():
    arnold = render_command(RENDERERS["arnold"], {})
    at = arnold.index("-ai:alf")
    assert arnold[at + 1] == "true" and at < arnold.index("{scene}")
    assert "-ai:alf" not in render_command(RENDERERS["vray"], {})
