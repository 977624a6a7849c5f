"""The stand-in's PNG: a valid file with its label in tEXt chunks."""

from __future__ import annotations

import struct
import zlib

import pytest

from azure_batch_maya.node.font import Canvas
from azure_batch_maya.node.png import encode_rgb, read_text_chunks


def pixels(data: bytes) -> bytes:
    idat_at = data.index(b"IDAT")
    (length,) = struct.unpack(">I", data[idat_at - 4 : idat_at])
    return zlib.decompress(data[idat_at + 4 : idat_at + 4 + length])


def label_png(label: str, text: dict[str, str], width: int, height: int) -> bytes:
    canvas = Canvas(width, height, (40, 44, 52))
    canvas.text(8, 8, label, (255, 196, 0), 4)
    return encode_rgb(width, height, canvas.lines(), text)


def test_png_is_valid_and_carries_its_label():
    data = label_png("STAND-IN F0001", {"Frame": "1", "Camera": "shotCam", "Scene": "été"}, 64, 32)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (64, 32)
    raw = pixels(data)
    assert len(raw) == height * (1 + 3 * width)
    assert raw != pixels(label_png("", {}, 64, 32))  # the label is drawn in pixels too
    assert read_text_chunks(data) == {"Frame": "1", "Camera": "shotCam", "Scene": "été"}


def test_reading_something_else_fails():
    with pytest.raises(ValueError, match="not a PNG"):
        read_text_chunks(b"GIF89a")
