"""A small 8-bit RGBA image: what decoding hands to the panel, whatever the frame's format."""

from __future__ import annotations

from dataclasses import dataclass

PLACEHOLDER_INK = (200, 200, 200, 255)
PLACEHOLDER_PAPER = (60, 60, 64, 255)


@dataclass(frozen=True)
class Rgba8:
    """Pixels row by row, 4 bytes each; `problem` says why this is a placeholder, else ""."""

    width: int
    height: int
    pixels: bytes
    problem: str = ""

    def __post_init__(self) -> None:
        if len(self.pixels) != self.width * self.height * 4:
            raise ValueError(
                f"{len(self.pixels)} bytes do not make a {self.width}x{self.height} RGBA image"
            )

    @property
    def is_placeholder(self) -> bool:
        return bool(self.problem)

    def pixel(self, x: int, y: int) -> tuple[int, int, int, int]:
        at = 4 * (y * self.width + x)
        r, g, b, a = self.pixels[at : at + 4]
        return (r, g, b, a)


def placeholder(size: int, problem: str) -> Rgba8:
    """A grey square with a light frame: shown (with `problem` as its tooltip) for a frame
    that could not be decoded, so the strip keeps one tile per frame."""
    rows = []
    for y in range(size):
        edge = y in (0, size - 1)
        row = bytearray(PLACEHOLDER_PAPER * size)
        for x in range(size):
            if edge or x in (0, size - 1) or x == y or x == size - 1 - y:
                row[4 * x : 4 * x + 4] = bytes(PLACEHOLDER_INK)
        rows.append(bytes(row))
    return Rgba8(size, size, b"".join(rows), problem or "could not be decoded")
