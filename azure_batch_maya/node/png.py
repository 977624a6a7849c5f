"""A small PNG writer and `tEXt` reader (zlib + struct) for the stand-in's frames.

The stand-in's contact sheet (`contactsheet.py`, drawn with `font`) is written by `framefiles`
through `encode_rgb`, its labels also stored as `tEXt` chunks, so a person sees them and a test
can read them back.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping


def encode_rgb(width: int, height: int, rows: list[bytes], text: Mapping[str, str]) -> bytes:
    """A PNG of RGB8 rows (top row first) with `text` as tEXt chunks."""
    raw = b"".join(b"\x00" + row for row in rows)
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    for key, value in text.items():
        chunks.append(_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + _latin1(value)))
    chunks.append(_chunk(b"IDAT", zlib.compress(raw, 6)))
    chunks.append(_chunk(b"IEND", b""))
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def read_text_chunks(data: bytes) -> dict[str, str]:
    """The tEXt entries of a PNG (for tests and for people checking a frame)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError("not a PNG file")
    found: dict[str, str] = {}
    at = 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\x00")
            found[key.decode("latin-1")] = value.decode("latin-1")
        at += 12 + length
    return found


def _latin1(value: str) -> bytes:
    """tEXt is Latin-1; other characters become `\\uXXXX` escapes rather than failing."""
    return value.encode("latin-1", errors="backslashreplace")


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
