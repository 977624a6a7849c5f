"""The 3×5 font and canvas the stand-in draws its labels with."""

from __future__ import annotations

from azure_batch_maya.node.font import ADVANCE, GLYPHS, Canvas, text_width

INK = (255, 0, 0)
PAPER = (0, 0, 0)


def inked(canvas: Canvas) -> set[tuple[int, int]]:
    return {
        (x, y)
        for y, row in enumerate(canvas.rows)
        for x in range(canvas.width)
        if bytes(row[3 * x : 3 * x + 3]) == bytes(INK)
    }


def test_a_glyph_is_drawn_at_its_scale_and_lower_case_as_upper() -> None:
    canvas = Canvas(20, 12, PAPER)
    end = canvas.text(1, 1, "l", INK, 2)
    assert end == 1 + ADVANCE * 2
    expected = {
        (1 + 2 * (c % 3) + dx, 1 + 2 * (c // 3) + dy)
        for c, bit in enumerate(GLYPHS["L"])
        if bit == "1"
        for dx in (0, 1)
        for dy in (0, 1)
    }
    assert inked(canvas) == expected


def test_unknown_characters_are_blank_and_drawing_off_the_edge_is_clipped() -> None:
    canvas = Canvas(6, 6, PAPER)
    canvas.text(0, 0, "é€", INK, 1)
    assert inked(canvas) == set()
    canvas.text(4, 3, "WWW", INK, 3)  # mostly outside: no error, only what fits
    assert inked(canvas) and all(x < 6 and y < 6 for x, y in inked(canvas))
    assert len(canvas.lines()) == 6 and all(len(r) == 18 for r in canvas.lines())


def test_paste_is_clipped_and_text_width_counts_advances() -> None:
    canvas = Canvas(4, 2, PAPER)
    canvas.paste(2, 1, 3, [bytes(INK) * 3, bytes(INK) * 3])
    assert inked(canvas) == {(2, 1), (3, 1)}
    assert text_width("AB", 2) == 2 * ADVANCE * 2
