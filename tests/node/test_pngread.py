"""The stand-in's standard-library PNG reader against PNGs Pillow writes in every mode."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from azure_batch_maya.node.png import encode_rgb
from azure_batch_maya.node.pngread import PngError, decode_png, read_png


def noise(mode_shape: tuple[int, ...], top: int = 256) -> np.ndarray:
    return np.random.default_rng(7).integers(0, top, size=mode_shape)


@pytest.mark.parametrize(
    ("mode", "array"),
    [
        ("RGB", noise((9, 13, 3)).astype(np.uint8)),
        ("RGBA", noise((9, 13, 4)).astype(np.uint8)),
        ("L", noise((9, 13)).astype(np.uint8)),
        ("LA", noise((9, 13, 2)).astype(np.uint8)),
        ("I;16", noise((9, 13), 65536).astype(np.uint16)),
    ],
)
def test_each_mode_reads_as_pillow_sees_it(tmp_path: Path, mode: str, array: np.ndarray) -> None:
    path = tmp_path / f"{mode.replace(';', '')}.png"
    # Pillow picks a filter per row: all five get used
    Image.fromarray(array, None if mode == "I;16" else mode).save(path)
    width, height, rows = read_png(path)
    expected = Image.open(path)
    if mode == "I;16":
        want = (np.asarray(expected) >> 8).astype(np.uint8)
        want = np.repeat(want[..., None], 3, axis=-1)
    else:
        want = np.asarray(expected.convert("RGB"))
    assert (width, height) == (13, 9)
    assert np.frombuffer(b"".join(rows), np.uint8).reshape(9, 13, 3).tolist() == want.tolist()


@pytest.mark.parametrize("colours", [2, 4, 16, 200])
def test_palette_images_of_each_bit_depth(tmp_path: Path, colours: int) -> None:
    path = tmp_path / "p.png"
    rgb = Image.fromarray(noise((7, 11, 3)).astype(np.uint8), "RGB")
    rgb.quantize(colours).save(path, bits=max(1, (colours - 1).bit_length()))
    _w, _h, rows = read_png(path)
    want = np.asarray(Image.open(path).convert("RGB"))
    assert np.frombuffer(b"".join(rows), np.uint8).reshape(7, 11, 3).tolist() == want.tolist()


def test_its_own_writer_round_trips() -> None:
    rows = [bytes(range(y, y + 30)) for y in range(4)]
    assert decode_png(encode_rgb(10, 4, rows, {"Frame": "3"})) == (10, 4, rows)


def test_what_it_cannot_read_is_a_png_error() -> None:
    data = bytearray(encode_rgb(2, 2, [bytes(6), bytes(6)], {}))
    data[28] = 1  # IHDR's interlace method: Adam7
    with pytest.raises(PngError, match="interlaced"):
        decode_png(bytes(data))
    with pytest.raises(PngError, match="not a PNG"):
        decode_png(b"GIF89a")
