"""Frames written here by the real libraries (OpenEXR, Pillow, tifffile) decode to thumbnails.

Each frame is a left half of linear 0.214 (sRGB 128) and a right half of a colour per format,
so a test can read the tone-mapped pixel back and know the decoder and the curve both worked.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
import tifffile
from PIL import Image

from azure_batch_maya.images.decode import sniff, thumbnail

MID = 0.214  # linear for sRGB 0.5 (128 of 255)
W, H = 64, 32


def linear_frame(dtype: str, right: tuple[float, float, float] = (1.0, 0.0, 0.0)) -> np.ndarray:
    pixels = np.full((H, W, 3), MID, dtype=np.float32)
    pixels[:, W // 2 :] = right
    return pixels.astype(dtype)


def write_exr(path: Path, pixels: np.ndarray, compression: object) -> Path:
    header = {"compression": compression, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, {"RGB": pixels}).write(str(path))
    return path


COMPRESSIONS = {
    "zip": OpenEXR.ZIP_COMPRESSION,  # V-Ray's and Redshift's default
    "zips": OpenEXR.ZIPS_COMPRESSION,
    "piz": OpenEXR.PIZ_COMPRESSION,
    "dwaa": OpenEXR.DWAA_COMPRESSION,  # Arnold offers it; lossy
    "dwab": OpenEXR.DWAB_COMPRESSION,
    "rle": OpenEXR.RLE_COMPRESSION,
    "b44": OpenEXR.B44_COMPRESSION,
    "pxr24": OpenEXR.PXR24_COMPRESSION,  # lossy for float
    "htj2k": OpenEXR.HTJ2K32_COMPRESSION,
    "none": OpenEXR.NO_COMPRESSION,
}


@pytest.mark.parametrize("dtype", ["float16", "float32"])
@pytest.mark.parametrize("name", sorted(COMPRESSIONS))
def test_exr_is_tone_mapped_to_srgb(tmp_path: Path, dtype: str, name: str) -> None:
    path = write_exr(tmp_path / f"beauty.{name}.exr", linear_frame(dtype), COMPRESSIONS[name])
    thumb = thumbnail(path, 32)
    assert not thumb.is_placeholder, thumb.problem
    assert (thumb.width, thumb.height) == (32, 16)
    tolerance = 3 if name.startswith("dwa") else 1
    left, right = thumb.pixel(4, 8), thumb.pixel(28, 8)
    assert all(abs(c - 128) <= tolerance for c in left[:3]), left
    assert right[0] >= 255 - tolerance and right[1] <= tolerance and right[3] == 255


def test_tiled_and_multi_part_exr_show_their_first_part(tmp_path: Path) -> None:
    tiles = OpenEXR.TileDescription()
    tiles.xSize = tiles.ySize = 16
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.tiledimage, "tiles": tiles}
    tiled = tmp_path / "tiled.exr"
    OpenEXR.File(header, {"RGB": linear_frame("float16")}).write(str(tiled))

    def scanline() -> dict[str, object]:  # one dict per part: the part's name goes into it
        return {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}

    beauty = OpenEXR.Part(scanline(), {"RGB": linear_frame("float16")}, name="beauty")
    depth = OpenEXR.Part(scanline(), {"Z": np.ones((H, W), np.float32)}, name="depth")
    parts = tmp_path / "parts.exr"
    OpenEXR.File([beauty, depth]).write(str(parts))
    for path in (tiled, parts):
        thumb = thumbnail(path, 32)
        assert abs(thumb.pixel(4, 8)[0] - 128) <= 1 and thumb.pixel(28, 8)[:3] == (255, 0, 0)


def test_exr_highlights_clip_and_nan_is_black(tmp_path: Path) -> None:
    pixels = linear_frame("float32", (20.0, float("nan"), float("inf")))
    thumb = thumbnail(write_exr(tmp_path / "hot.exr", pixels, OpenEXR.ZIP_COMPRESSION), 32)
    assert thumb.pixel(28, 8) == (255, 0, 255, 255)


def test_exr_alpha_and_exposure(tmp_path: Path) -> None:
    pixels = np.zeros((H, W, 4), dtype=np.float16)
    pixels[..., :3] = MID / 4
    pixels[..., 3] = 0.5
    path = tmp_path / "rgba.exr"
    OpenEXR.File({"compression": OpenEXR.PIZ_COMPRESSION}, {"RGBA": pixels}).write(str(path))
    r, _g, _b, a = thumbnail(path, 32, exposure=2.0).pixel(3, 3)
    assert abs(r - 128) <= 1 and abs(a - 128) <= 1


def test_tiff_8_16_bit_and_float(tmp_path: Path) -> None:
    display = np.zeros((H, W, 3), dtype=np.uint8)
    display[:, : W // 2] = 128
    display[:, W // 2 :] = (0, 255, 0)
    Image.fromarray(display).save(tmp_path / "a8.tif", compression="tiff_lzw")
    tifffile.imwrite(tmp_path / "a16.tif", display.astype(np.uint16) * 257, compression="zlib")
    tifffile.imwrite(tmp_path / "af.tif", linear_frame("float32", (0, 1, 0)), photometric="rgb")
    grey = linear_frame("float32")[..., 0]
    tifffile.imwrite(tmp_path / "ag.tif", grey)
    for name in ("a8.tif", "a16.tif", "af.tif"):
        thumb = thumbnail(tmp_path / name, 32)
        assert not thumb.is_placeholder, (name, thumb.problem)
        assert abs(thumb.pixel(4, 8)[0] - 128) <= 1, name
        assert thumb.pixel(28, 8)[:3] == (0, 255, 0), name
    grey_thumb = thumbnail(tmp_path / "ag.tif", 32)
    assert abs(grey_thumb.pixel(4, 8)[0] - 128) <= 1
    assert grey_thumb.pixel(28, 8)[:3] == (255, 255, 255)


def test_png_16_bit_and_jpeg(tmp_path: Path) -> None:
    display = np.zeros((H, W, 4), dtype=np.uint8)
    display[..., :3] = 128
    display[..., 3] = 255
    Image.fromarray(display, "RGBA").save(tmp_path / "f.png")
    Image.fromarray((np.full((H, W), 128 * 257)).astype(np.uint16)).save(tmp_path / "g16.png")
    Image.fromarray(display[..., :3]).save(tmp_path / "f.jpg", quality=95)
    for name in ("f.png", "g16.png", "f.jpg"):
        thumb = thumbnail(tmp_path / name, 16)
        assert not thumb.is_placeholder, thumb.problem
        assert abs(thumb.pixel(2, 2)[0] - 128) <= 2, name


def test_the_format_comes_from_the_bytes_not_the_name(tmp_path: Path) -> None:
    exr = write_exr(tmp_path / "named.png", linear_frame("float16"), OpenEXR.ZIP_COMPRESSION)
    assert sniff(exr) == "exr"
    assert not thumbnail(exr).is_placeholder


def test_what_cannot_be_decoded_is_a_labelled_placeholder(tmp_path: Path) -> None:
    junk = tmp_path / "junk.exr"
    junk.write_bytes(b"not an image at all")
    truncated = write_exr(tmp_path / "cut.exr", linear_frame("float32"), OpenEXR.ZIP_COMPRESSION)
    truncated.write_bytes(truncated.read_bytes()[:200])
    missing = tmp_path / "gone.exr"
    thumbs = {p.name: thumbnail(p, 24) for p in (junk, truncated, missing)}
    assert "not an EXR, TIFF, PNG or JPEG" in thumbs["junk.exr"].problem
    assert "cut.exr" in thumbs["cut.exr"].problem
    assert "cannot be read" in thumbs["gone.exr"].problem
    assert all((t.width, t.height) == (24, 24) for t in thumbs.values())


def test_without_the_libraries_the_placeholder_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_exr(tmp_path / "a.exr", linear_frame("float16"), OpenEXR.ZIP_COMPRESSION)
    monkeypatch.setitem(sys.modules, "OpenEXR", None)  # as if it were not installed
    thumb = thumbnail(path)
    assert thumb.is_placeholder
    assert "OpenEXR" in thumb.problem and "azure-batch-maya[thumbnails]" in thumb.problem
