"""A small PNG reader (zlib + struct) so the stand-in can show textures on a node without any
imaging library: 8- and 16-bit grey, grey+alpha, RGB, RGBA and palette images, and 1/2/4-bit
grey and palette. Interlaced PNGs are refused with a clear error (rare for textures).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


class PngError(ValueError):
    """A PNG this reader cannot decode; the message says why."""


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, RGB8 rows) of a PNG file; alpha is dropped."""
    return decode_png(path.read_bytes())


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the header alone; raises PngError for a file that is not a PNG."""
    with path.open("rb") as stream:
        head = stream.read(24)
    if not head.startswith(SIGNATURE) or head[12:16] != b"IHDR":
        raise PngError("not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    if not data.startswith(SIGNATURE):
        raise PngError("not a PNG file")
    at, header, palette, idat = 8, b"", b"", []
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"PLTE":
            palette = body
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        at += 12 + length
    if len(header) != 13:
        raise PngError("no IHDR chunk")
    width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", header)
    if colour not in _CHANNELS:
        raise PngError(f"colour type {colour} is not a PNG colour type")
    if interlace:
        raise PngError("interlaced PNGs are not supported by the stand-in's reader")
    if colour == 3 and not palette:
        raise PngError("palette image without a PLTE chunk")
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise PngError(f"damaged image data: {exc}") from None
    channels = _CHANNELS[colour]
    bits = channels * depth
    stride = (width * bits + 7) // 8
    step = max(1, bits // 8)
    if len(raw) < height * (stride + 1):
        raise PngError("the image data is shorter than its size says")
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, step)
        rows.append(_to_rgb(line, width, depth, colour, palette))
        previous = line
    return width, height, rows


def _unfilter(kind: int, line: bytearray, prior: bytearray, step: int) -> bytearray:
    if kind == 0:
        return line
    n = len(line)
    if kind == 1:
        for i in range(step, n):
            line[i] = (line[i] + line[i - step]) & 0xFF
    elif kind == 2:
        for i in range(n):
            line[i] = (line[i] + prior[i]) & 0xFF
    elif kind == 3:
        for i in range(n):
            left = line[i - step] if i >= step else 0
            line[i] = (line[i] + ((left + prior[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(n):
            a = line[i - step] if i >= step else 0
            b = prior[i]
            c = prior[i - step] if i >= step else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 0xFF
    else:
        raise PngError(f"unknown filter type {kind}")
    return line


def _to_rgb(line: bytearray, width: int, depth: int, colour: int, palette: bytes) -> bytes:
    if depth < 8:
        per_byte = 8 // depth
        mask = (1 << depth) - 1
        values = [
            (line[i // per_byte] >> (8 - depth * (i % per_byte + 1))) & mask for i in range(width)
        ]
        if colour == 3:
            return b"".join(palette[3 * v : 3 * v + 3] for v in values)
        scale = 255 // mask
        return bytes(v * scale for v in values for _ in range(3))
    samples = line if depth == 8 else line[0::2]  # 16-bit: the high byte
    channels = _CHANNELS[colour]
    if colour == 3:
        return b"".join(palette[3 * v : 3 * v + 3] for v in samples)
    if colour in (0, 4):
        grey = samples[0::channels]
        return bytes(g for g in grey for _ in range(3))
    if colour == 2:
        return bytes(samples)
    out = bytearray(3 * width)
    out[0::3], out[1::3], out[2::3] = samples[0::4], samples[1::4], samples[2::4]
    return bytes(out)
