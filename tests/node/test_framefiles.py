"""The stand-in's frame writers, each read back by the real libraries (OpenEXR, Pillow,
tifffile): a file in a format is what that format's own readers accept."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
import tifffile
from PIL import Image

from azure_batch_maya.images.tonemap import srgb_decode
from azure_batch_maya.node.framefiles import FrameFormatError, check_writable, write_frame

W, H = 21, 37  # odd sizes: BMP row padding, a last EXR block of 5 lines
TEXT = {"Frame": "3", "Camera": "shotCam", "Software": "azure-batch-maya stand-in (not Maya)"}


def picture(noise: bool = False) -> np.ndarray:
    if noise:  # incompressible: the EXR writer must store such blocks raw
        return np.random.default_rng(3).integers(0, 256, (H, W, 3)).astype(np.uint8)
    pixels = np.zeros((H, W, 3), np.uint8)
    pixels[..., 0] = np.arange(W)[None, :] * 12
    pixels[..., 1] = np.arange(H)[:, None] * 7
    pixels[..., 2] = 200
    return pixels


def write(tmp_path: Path, name: str, pixels: np.ndarray) -> Path:
    target = tmp_path / name
    write_frame(target, W, H, [row.tobytes() for row in pixels], TEXT)
    return target


@pytest.mark.parametrize("noise", [False, True])
def test_exr_is_half_float_zip_and_linear(tmp_path: Path, noise: bool) -> None:
    pixels = picture(noise)
    path = write(tmp_path, "f.exr", pixels)
    with OpenEXR.File(str(path)) as exr:
        header = dict(exr.header())
        rgb = exr.channels()["RGB"].pixels.copy()
    assert header["compression"] == OpenEXR.ZIP_COMPRESSION
    assert header["Frame"] == "3" and header["Camera"] == "shotCam"
    assert rgb.dtype == np.float16 and rgb.shape == (H, W, 3)
    linear = np.vectorize(lambda v: srgb_decode(v / 255.0))(pixels.astype(np.float64))
    assert np.allclose(rgb.astype(np.float64), linear, rtol=2e-3, atol=1e-4)


def test_tiff_reads_in_pillow_and_tifffile_with_its_label(tmp_path: Path) -> None:
    path = write(tmp_path, "f.tif", picture())
    assert np.array_equal(np.asarray(Image.open(path)), picture())
    with tifffile.TiffFile(path) as tif:
        assert np.array_equal(tif.asarray(), picture())
        assert "Frame: 3" in tif.pages[0].description


@pytest.mark.parametrize("suffix", ["png", "tga", "bmp"])
def test_lossless_formats_read_back_exactly(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path, f"f.{suffix}", picture())
    image = Image.open(path)
    assert (image.format or "").lower() == suffix
    assert np.array_equal(np.asarray(image.convert("RGB")), picture())


def test_jpeg_through_pillow(tmp_path: Path) -> None:
    path = write(tmp_path, "f.jpg", picture())
    image = Image.open(path)
    assert image.format == "JPEG" and image.size == (W, H)
    assert b"Frame: 3" in image.info["comment"]


def test_iff_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(FrameFormatError, match="cannot write IFF frames"):
        write(tmp_path, "f.iff", picture())
    assert list(tmp_path.iterdir()) == []


def test_jpeg_without_pillow_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(FrameFormatError, match="Pillow is not installed"):
        check_writable("jpg")
    check_writable("exr")  # the standard library's formats need nothing
