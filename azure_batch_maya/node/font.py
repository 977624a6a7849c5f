"""A 3×5 pixel font and a small RGB canvas to draw it on, for the stand-in's labelled frames.

Standard library only (it runs on render nodes). Lower case is drawn as upper case; a
character the font lacks is drawn as a blank, never an error.
"""

from __future__ import annotations

GLYPHS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001010010010",
    "8": "111101111101111",
    "9": "111101111001111",
    "A": "010101111101101",
    "B": "110101110101110",
    "C": "111100100100111",
    "D": "110101101101110",
    "E": "111100110100111",
    "F": "111100110100100",
    "G": "111100101101111",
    "H": "101101111101101",
    "I": "111010010010111",
    "J": "001001001101111",
    "K": "101101110101101",
    "L": "100100100100111",
    "M": "101111111101101",
    "N": "110101101101101",
    "O": "111101101101111",
    "P": "111101111100100",
    "Q": "111101101111001",
    "R": "110101110101101",
    "S": "111100111001111",
    "T": "111010010010010",
    "U": "101101101101111",
    "V": "101101101101010",
    "W": "101101111111101",
    "X": "101101010101101",
    "Y": "101101010010010",
    "Z": "111001010100111",
    "-": "000000111000000",
    ".": "000000000000010",
    "_": "000000000000111",
    "/": "001001010100100",
    ":": "000010000010000",
    "(": "010100100100010",
    ")": "010001001001010",
    "+": "000010111010000",
    ",": "000000000010100",
    "<": "001010100010001",
    ">": "100010001010100",
    "#": "101111101111101",
    "?": "111001010000010",
    "=": "000111000111000",
    "~": "000011110000000",
    " ": "000000000000000",
}
ADVANCE = 4  # glyph width plus one column of space, in font pixels

RGB = tuple[int, int, int]


class Canvas:
    """An RGB8 image being drawn: rows of bytes, top row first."""

    def __init__(self, width: int, height: int, background: RGB) -> None:
        self.width = width
        self.height = height
        self.rows = [bytearray(bytes(background) * width) for _ in range(height)]

    def fill(self, x: int, y: int, w: int, h: int, colour: RGB) -> None:
        x0, x1 = max(0, x), min(self.width, x + w)
        if x1 <= x0:
            return
        run = bytes(colour) * (x1 - x0)
        for row in self.rows[max(0, y) : max(0, min(self.height, y + h))]:
            row[3 * x0 : 3 * x1] = run

    def paste(self, x: int, y: int, width: int, rows: list[bytes]) -> None:
        """Copy RGB8 rows `width` pixels wide with their top left at (x, y), clipped."""
        x0, x1 = max(0, x), min(self.width, x + width)
        if x1 <= x0:
            return
        for dy, row in enumerate(rows):
            if 0 <= y + dy < self.height:
                self.rows[y + dy][3 * x0 : 3 * x1] = row[3 * (x0 - x) : 3 * (x1 - x)]

    def text(self, x: int, y: int, text: str, colour: RGB, scale: int = 2) -> int:
        """Draw `text` with its top left at (x, y); returns the x just past it."""
        for char in text.upper():
            glyph = GLYPHS.get(char, GLYPHS[" "])
            for cell, bit in enumerate(glyph):
                if bit == "1":
                    gx, gy = cell % 3, cell // 3
                    self.fill(x + gx * scale, y + gy * scale, scale, scale, colour)
            x += ADVANCE * scale
        return x

    def lines(self) -> list[bytes]:
        """The pixel rows, top row first, 3 bytes a pixel."""
        return [bytes(row) for row in self.rows]


def text_width(text: str, scale: int = 2) -> int:
    return len(text) * ADVANCE * scale
