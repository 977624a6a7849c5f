"""The display curve: exposure, clip, sRGB."""

from __future__ import annotations

import numpy as np

from azure_batch_maya.images.tonemap import srgb_decode, srgb_encode, tone_map


def test_srgb_round_trip_and_known_points() -> None:
    assert srgb_encode(0.0) == 0.0 and abs(srgb_encode(1.0) - 1.0) < 1e-9
    assert abs(srgb_encode(0.214) - 0.5) < 0.002
    for v in (0.0, 0.001, 0.2, 0.5, 1.0):
        assert abs(srgb_decode(srgb_encode(v)) - v) < 1e-9


def test_tone_map_matches_the_scalar_curve_and_keeps_alpha_linear() -> None:
    pixels = np.array([[[0.0, 0.214, 4.0, 0.25]]], dtype=np.float32)
    out = tone_map(pixels)
    assert out.dtype == np.uint8
    assert out.tolist() == [[[0, round(srgb_encode(0.214) * 255), 255, 64]]]
    assert tone_map(pixels, exposure=-2.0)[0, 0, 2] == round(srgb_encode(1.0) * 255)
