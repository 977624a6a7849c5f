"""The stand-in's frames written in the scene's own image format, with the standard library.

PNG, EXR (half-float RGB, ZIP compression: what Arnold writes by default), TIFF (8-bit RGB,
Deflate), Targa and BMP are written here; JPEG only where Pillow can be imported. Maya IFF is
not written at all: a frame whose bytes did not match its extension would pass a check that
only looks at names, so a format this module cannot write stops the task, naming it, before
any frame is written. Each file appears under its name only once complete (write, then rename).
The label texts go into the file as metadata (tEXt, EXR string attributes, TIFF
ImageDescription) so a person or a test can read them back.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Mapping
from pathlib import Path

from azure_batch_maya.node.png import encode_rgb

RGB_ROWS = list[bytes]
ZIP_LINES = 16  # scanlines per block with EXR's ZIP compression


class FrameFormatError(Exception):
    """An image format the stand-in cannot write; the message says what to choose."""


def _lut() -> list[float]:
    values = []
    for i in range(256):
        c = i / 255.0
        values.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return values


SRGB_TO_LINEAR = _lut()


def encode_exr(width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]) -> bytes:
    """A scanline EXR: half-float B, G, R (scene-linear, from the sRGB bytes), ZIP blocks."""
    attributes = [
        _attribute("channels", "chlist", _channel_list("BGR")),
        _attribute("compression", "compression", b"\x03"),  # ZIP_COMPRESSION
        _attribute("dataWindow", "box2i", struct.pack("<iiii", 0, 0, width - 1, height - 1)),
        _attribute("displayWindow", "box2i", struct.pack("<iiii", 0, 0, width - 1, height - 1)),
        _attribute("lineOrder", "lineOrder", b"\x00"),
        _attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
        _attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0.0, 0.0)),
        _attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
    ]
    for key, value in text.items():
        attributes.append(_attribute(key[:31], "string", value.encode("utf-8")))
    header = b"\x76\x2f\x31\x01" + struct.pack("<I", 2) + b"".join(attributes) + b"\x00"
    blocks = []
    half_row = struct.Struct(f"<{width}e")
    for y0 in range(0, height, ZIP_LINES):
        raw = bytearray()
        for row in rows[y0 : y0 + ZIP_LINES]:
            for channel in (2, 1, 0):  # B, G, R: channels are stored in name order
                raw += half_row.pack(*(SRGB_TO_LINEAR[v] for v in row[channel::3]))
        packed = _exr_zip(bytes(raw))
        blocks.append(struct.pack("<ii", y0, len(packed)) + packed)
    table_size = 8 * len(blocks)
    offsets, at = [], len(header) + table_size
    for block in blocks:
        offsets.append(at)
        at += len(block)
    return header + struct.pack(f"<{len(offsets)}Q", *offsets) + b"".join(blocks)


def _exr_zip(raw: bytes) -> bytes:
    """OpenEXR's ZIP: bytes split into even and odd halves, delta-coded, then zlib; stored
    raw when that is not smaller (the reader tells by the size)."""
    half = (len(raw) + 1) // 2
    split = bytearray(len(raw))
    split[:half], split[half:] = raw[0::2], raw[1::2]
    previous = split[0] if split else 0
    for i in range(1, len(split)):
        current = split[i]
        split[i] = (current - previous + 128) & 0xFF
        previous = current
    packed = zlib.compress(bytes(split), 6)
    return packed if len(packed) < len(raw) else raw


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return (
        name.encode("ascii")
        + b"\x00"
        + kind.encode("ascii")
        + b"\x00"
        + (struct.pack("<i", len(value)) + value)
    )


def _channel_list(names: str) -> bytes:
    body = b"".join(n.encode() + b"\x00" + struct.pack("<iB3xii", 1, 0, 1, 1) for n in names)
    return body + b"\x00"  # pixel type 1 = HALF


def encode_tiff(width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]) -> bytes:
    """A baseline RGB TIFF, 8 bits a sample, one Deflate strip; the label as ImageDescription."""
    data = zlib.compress(b"".join(rows), 6)
    description = "; ".join(f"{k}: {v}" for k, v in text.items()).encode("ascii", "replace")
    description += b"\x00"
    entries = 12
    ifd_size = 2 + entries * 12 + 4
    bits_at = 8 + ifd_size
    description_at = bits_at + 6
    data_at = description_at + len(description) + (len(description) % 2)
    tags = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 3, bits_at),
        (259, 3, 1, 8),  # Adobe Deflate
        (262, 3, 1, 2),  # RGB
        (270, 2, len(description), description_at),
        (273, 4, 1, data_at),
        (277, 3, 1, 3),
        (278, 4, 1, height),
        (279, 4, 1, len(data)),
        (284, 3, 1, 1),
        (317, 3, 1, 1),  # no predictor
    ]
    ifd = struct.pack("<H", entries)
    for tag, kind, count, value in tags:
        short = kind == 3 and count == 1  # a lone SHORT sits left-justified in the field
        packed = struct.pack("<HH", value, 0) if short else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    padding = b"\x00" * (len(description) % 2)
    head = b"II*\x00" + struct.pack("<I", 8)
    return head + ifd + struct.pack("<HHH", 8, 8, 8) + description + padding + data


def encode_tga(width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]) -> bytes:
    """An uncompressed 24-bit Targa, top row first; the label in its image ID field."""
    ident = "; ".join(f"{k}: {v}" for k, v in text.items()).encode("ascii", "replace")[:255]
    header = struct.pack("<BBB5xHHHHBB", len(ident), 0, 2, 0, 0, width, height, 24, 0x20)
    return header + ident + b"".join(_bgr(row) for row in rows)


def encode_bmp(width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]) -> bytes:
    """A 24-bit BMP (bottom row first, rows padded to 4 bytes); BMP holds no text."""
    pad = b"\x00" * ((4 - (3 * width) % 4) % 4)
    pixels = b"".join(_bgr(row) + pad for row in reversed(rows))
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0)
    head = struct.pack("<2sIHHI", b"BM", 14 + len(info) + len(pixels), 0, 0, 14 + len(info))
    return head + info + pixels


def encode_jpeg(width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]) -> bytes:
    """JPEG through Pillow, the only format here that needs a library."""
    try:
        from io import BytesIO

        from PIL import Image
    except ImportError:
        raise FrameFormatError(_cannot("JPEG", "Pillow is not installed on this node")) from None
    out = BytesIO()
    image = Image.frombytes("RGB", (width, height), b"".join(rows))
    comment = "; ".join(f"{k}: {v}" for k, v in text.items())
    image.save(out, "JPEG", quality=90, comment=comment.encode("utf-8"))
    return out.getvalue()


def _bgr(row: bytes) -> bytes:
    out = bytearray(len(row))
    out[0::3], out[1::3], out[2::3] = row[2::3], row[1::3], row[0::3]
    return bytes(out)


def _cannot(name: str, why: str) -> str:
    return (
        f"the stand-in cannot write {name} frames: {why}. It writes PNG, EXR, TIFF, TGA and BMP "
        "(JPEG with Pillow); choose one of them in Render Settings for stand-in test jobs, "
        "or render with Maya"
    )


ENCODERS: dict[str, Callable[[int, int, RGB_ROWS, Mapping[str, str]], bytes]] = {
    "png": encode_rgb,
    "exr": encode_exr,
    "tif": encode_tiff,
    "tiff": encode_tiff,
    "tga": encode_tga,
    "bmp": encode_bmp,
    "jpg": encode_jpeg,
    "jpeg": encode_jpeg,
}


def check_writable(extension: str) -> None:
    """Raise FrameFormatError now, before any frame, for a format the stand-in cannot write."""
    key = extension.lower()
    if key not in ENCODERS:
        raise FrameFormatError(_cannot(key.upper(), "its encoder is not part of the stand-in"))
    if key in ("jpg", "jpeg"):
        encode_jpeg(1, 1, [b"\x00\x00\x00"], {})


def write_frame(
    target: Path, width: int, height: int, rows: RGB_ROWS, text: Mapping[str, str]
) -> None:
    """Encode by the target's extension and write it; the name appears only when complete."""
    key = target.suffix.lower().lstrip(".")
    check_writable(key)
    data = ENCODERS[key](width, height, rows, text)
    part = target.with_name(target.name + ".part")
    part.write_bytes(data)
    part.replace(target)
