"""The RGBA8 image and the placeholder tile."""

from __future__ import annotations

import pytest

from azure_batch_maya.images.rgba import PLACEHOLDER_INK, PLACEHOLDER_PAPER, Rgba8, placeholder


def test_the_placeholder_is_a_framed_cross_carrying_its_reason() -> None:
    tile = placeholder(9, "EXR frames need OpenEXR")
    assert tile.is_placeholder and tile.problem == "EXR frames need OpenEXR"
    assert (tile.width, tile.height) == (9, 9)
    assert tile.pixel(0, 4) == PLACEHOLDER_INK and tile.pixel(4, 4) == PLACEHOLDER_INK
    assert tile.pixel(2, 4) == PLACEHOLDER_PAPER
    assert placeholder(4, "").problem  # never a placeholder without a reason


def test_pixels_must_match_the_size() -> None:
    assert not Rgba8(1, 1, b"\x01\x02\x03\x04").is_placeholder
    with pytest.raises(ValueError, match="do not make a 2x1"):
        Rgba8(2, 1, b"\x00" * 4)
