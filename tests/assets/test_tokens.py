from __future__ import annotations

import pytest

from azure_batch_maya.assets.tokens import (
    compile_name,
    expand_env,
    has_tokens,
    implicit_tokens,
    skeleton_of,
)


@pytest.mark.parametrize(
    ("pattern", "yes", "no"),
    [
        ("skin.<UDIM>.tif", ["skin.1001.tif", "skin.1011.tif"], ["skin.tif", "skin.10.tif"]),
        ("skin.<udim>.tif", ["skin.1001.tif"], ["Skin.1001.tif"]),
        ("skin_<UVTILE>.tif", ["skin_u1_v1.tif"], ["skin_1001.tif"]),
        ("skin_u<U>_v<V>.tif", ["skin_u0_v12.tif"], ["skin_u_v.tif"]),
        ("m.<tile>.tif", ["m._u1_v2.tif"], ["m.u1_v2.tif"]),
        ("a.<f>.exr", ["a.7.exr", "a.0007.exr"], ["a.x.exr"]),
        ("a.####.exr", ["a.0001.exr"], ["a..exr"]),
        ("a.%04d.exr", ["a.0001.exr"], ["a.b.exr"]),
        ("a.<attr:color>.tif", ["a.red.tif", "a.1.tif"], ["b.red.tif"]),
        ("a.<shapeName>.tif", ["a.body.tif"], ["a.tif"]),
    ],
)
def test_patterns(pattern, yes, no):
    p = compile_name(pattern)
    assert p is not None
    assert all(p.match(n, None) for n in yes)
    assert not any(p.match(n, None) for n in no)


def test_frames_limit_frame_tokens_only():
    p = compile_name("t.<UDIM>.####.exr")
    assert p is not None and p.frame_count == 1
    assert p.frames_of("t.1001.0003.exr") == (3,)
    assert p.match("t.1001.0003.exr", frozenset({3}))
    assert not p.match("t.1001.0004.exr", frozenset({3}))


def test_digits_after_digits_backtrack():
    p = compile_name("a<u><v>.tif")
    assert p is not None
    assert p.match("a12.tif", None) and not p.match("a1.tif", None)
    q = compile_name("f.<f>0.exr")  # digits after a frame token
    assert q is not None and q.frames_of("f.120.exr") == (12,)
    udim = compile_name("s.<UDIM><f>.exr")
    assert udim is not None
    assert udim.frames_of("s.10010007.exr") == (7,) and udim.frames_of("s.101.exr") is None


def test_names_that_differ_in_literal_text_share_one_shape():
    """Thousands of textures compile one regular expression, not one each."""
    a = compile_name("asset0001_color.<UDIM>.tif")
    b = compile_name("asset0002_color.<UDIM>.tif")
    c = compile_name("<UDIM>_asset0003.tif")
    assert a is not None and b is not None and c is not None
    assert a.shape is b.shape and c.shape.core is a.shape.core
    assert a.match("asset0001_color.1001.tif", None)
    assert not a.match("asset0002_color.1001.tif", None)
    assert not a.match("asset0001_color.1001.tiff", None)
    assert c.match("1002_asset0003.tif", None) and not c.match("1002_asset0004.tif", None)
    short = compile_name("ab<f>ba")
    assert short is not None and short.frames_of("aba") is None  # prefix and suffix overlap
    assert short.frames_of("ab-7ba") == (-7,)


def test_skeleton_is_the_lookup_key():
    p = compile_name("<UDIM>_tex_v002.tif")
    assert p is not None and p.skeleton == skeleton_of("1001_tex_v002.tif") == "#_tex_v#.tif"
    prefixed = compile_name("tex_v002.<UDIM>.tif")
    assert prefixed is not None and prefixed.prefix == "tex_v002." and prefixed.skeleton is None
    assert compile_name("a.<attr:x>.tif").skeleton is None  # type: ignore[union-attr]
    assert compile_name("plain.tif") is None and not has_tokens("plain.tif")


def test_implicit_tokens_from_node_hints():
    assert implicit_tokens("w.1001.tif", frame_sequence=False, uv_tiling=3) == "w.<UDIM>.tif"
    assert implicit_tokens("w_u1_v1.tif", frame_sequence=False, uv_tiling=2) == "w_u<U>_v<V>.tif"
    assert implicit_tokens("c.0001.ass", frame_sequence=True, uv_tiling=0) == "c.<f>.ass"
    assert implicit_tokens("c_12", frame_sequence=True, uv_tiling=0) == "c_<f>"
    assert implicit_tokens("c.####.ass", frame_sequence=True, uv_tiling=0) == "c.####.ass"
    assert implicit_tokens("w.<UDIM>.tif", frame_sequence=False, uv_tiling=3) == "w.<UDIM>.tif"
    assert implicit_tokens("s.1001.0007.exr", frame_sequence=True, uv_tiling=3) == (
        "s.<UDIM>.<f>.exr"
    )


def test_expand_env_reports_unset():
    env = {"A": "/x", "B": "y"}
    assert expand_env("$A/${B}/%A%/$C/%D%", env) == ("/x/y//x/$C/%D%", ("C", "D"))
    assert expand_env("a.%04d.exr", env) == ("a.%04d.exr", ())
