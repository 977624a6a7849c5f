"""The stand-in's frame: a contact sheet of the scene's textures as read on the node.

A person opening a stand-in frame sees, labelled STAND-IN with frame, layer and camera, a tile
for each texture the scene references, decoded from the file the node actually has after path
mapping: the proof that the right files reached the node, which is all a stand-in can prove.
Textures are read with Pillow or OpenEXR where the node's Python has them, else PNG (up to a
million pixels) with the standard library (`pngread`), else the tile says which decoder is
absent (the file was still found). Nothing here imports outside the standard library at
module level.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure_batch_maya.assets.tokens import compile_name, implicit_tokens
from azure_batch_maya.node.font import Canvas, text_width
from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.node.pngread import PngError, png_size, read_png
from azure_batch_maya.node.scenewalk import UnreadableScene, walk_references

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 640, 360
MAX_TILES = 8
# pure Python unfilters about a million pixels a second: larger PNGs wait for Pillow
MAX_STDLIB_PIXELS = 1024 * 1024
IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".tx", ".tga", ".bmp", ".hdr", ".psd"}
)
PAPER = (40, 44, 52)
INK = (255, 196, 0)
TEXT = (220, 220, 220)
MUTED = (140, 140, 150)
TILE_PAPER = (24, 26, 30)


@dataclass(frozen=True)
class Texture:
    """A texture file as the node has it, and the plug that names it."""

    plug: str
    path: Path


@dataclass(frozen=True)
class Tile:
    """A texture fitted into a tile (RGB8 rows), or `problem` saying why it has no picture."""

    texture: Texture
    width: int = 0
    height: int = 0
    rows: tuple[bytes, ...] = ()
    problem: str = ""


def node_textures(scene_path: Path, mapping: NodeMapping) -> list[Texture]:
    """The image files the scene (and the scenes it references) use, as present on the node;
    a UDIM or sequence pattern gives each file that fits it."""
    found: list[Texture] = []
    for item in walk_references(scene_path, mapping, follow=lambda _item: True):
        if isinstance(item, UnreadableScene):
            continue  # the file check names it; a sheet shows what is there
        folder, _, name = item.value.replace("\\", "/").rpartition("/")
        if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            continue
        ref = item.ref
        pattern = compile_name(
            implicit_tokens(name, frame_sequence=ref.frame_sequence, uv_tiling=ref.uv_tiling)
        )
        if pattern is None:
            if Path(item.value).is_file():
                found.append(Texture(item.plug, Path(item.value)))
            continue
        try:
            names = sorted(p.name for p in Path(folder or ".").iterdir())
        except OSError:
            continue
        found += [Texture(item.plug, Path(folder) / n) for n in names if _fits(pattern, n)]
    return found


def _fits(pattern: Any, name: str) -> bool:
    return (
        bool(pattern.match(name, None)) if not pattern.has_frames else bool(pattern.frames_of(name))
    )


def read_tile(texture: Texture, width: int, height: int) -> Tile:
    """The texture fitted into width×height (nearest pixel; its shape kept)."""
    try:
        size, rows = _decode(texture.path)
    except (OSError, ValueError) as exc:
        return Tile(texture, problem=str(exc) or type(exc).__name__)
    if size is None:
        return Tile(texture, problem=str(rows[0]) if rows else "no decoder on this node")
    return _fit(texture, size[0], size[1], rows, width, height)


def _decode(path: Path) -> tuple[tuple[int, int] | None, list[Any]]:
    """((width, height), RGB8 rows), or (None, [why]) when this node has no decoder."""
    suffix = path.suffix.lower()
    if suffix == ".exr":
        return _openexr(path)
    pillow = _pillow(path)
    if pillow[0] is not None or suffix != ".png":
        return pillow
    width, height = png_size(path)
    if width * height > MAX_STDLIB_PIXELS:
        return None, [
            f"{width}x{height} is too large for the standard-library PNG reader; "
            "with Pillow on the node it is shown"
        ]
    try:
        width, height, rows = read_png(path)
    except PngError as exc:
        return None, [f"PNG: {exc}"]
    return (width, height), list(rows)


def _pillow(path: Path) -> tuple[tuple[int, int] | None, list[Any]]:
    try:
        from PIL import Image
    except ImportError:
        return None, [f"no {path.suffix.upper()[1:]} decoder on this node (Pillow is absent)"]
    with Image.open(path) as image:
        rgb = image.convert("RGB")
        data = rgb.tobytes()
    w, h = rgb.size
    return (w, h), [data[3 * w * y : 3 * w * (y + 1)] for y in range(h)]


def _openexr(path: Path) -> tuple[tuple[int, int] | None, list[Any]]:
    try:
        import OpenEXR
    except ImportError:
        return None, ["no EXR decoder on this node (OpenEXR is absent)"]
    with OpenEXR.File(str(path)) as exr:
        channels = exr.channels()
        name = next((n for n in ("RGBA", "RGB", "Y") if n in channels), None)
        if name is None:
            return None, ["the EXR has no RGB, RGBA or Y channels"]
        pixels = channels[name].pixels
        height, width = pixels.shape[:2]
        step = max(1, max(width, height) // 256)  # tiles are small: decode a sample of pixels
        sample = pixels[::step, ::step].tolist()
    rows = []
    for line in sample:
        row = bytearray()
        for pixel in line:
            values = pixel[:3] if isinstance(pixel, list) else [pixel] * 3
            row += bytes(_display(v) for v in values)
        rows.append(bytes(row))
    return (len(sample[0]) if sample else 0, len(sample)), rows


def _display(linear: float) -> int:
    if not linear > 0:  # also NaN
        return 0
    v = min(1.0, linear)
    encoded = 12.92 * v if v <= 0.0031308 else 1.055 * v ** (1 / 2.4) - 0.055
    return round(encoded * 255)


def _fit(texture: Texture, sw: int, sh: int, rows: list[bytes], width: int, height: int) -> Tile:
    if sw <= 0 or sh <= 0:
        return Tile(texture, problem="the image is empty")
    scale = min(width / sw, height / sh)
    tw, th = max(1, int(sw * scale)), max(1, int(sh * scale))
    xs = [min(sw - 1, int(x / scale)) for x in range(tw)]
    out = []
    for y in range(th):
        src = rows[min(sh - 1, int(y / scale))]
        out.append(b"".join(src[3 * x : 3 * x + 3] for x in xs))
    return Tile(texture, tw, th, tuple(out))


@dataclass(frozen=True)
class SheetLabel:
    """What the sheet says about the frame."""

    scene: str
    frame: int
    layer: str
    camera: str


def tile_box(count: int) -> tuple[int, int, int]:
    """(columns, tile width, tile height) for `count` tiles on the sheet."""
    columns = max(1, min(4, count))
    rows = max(1, math.ceil(min(count, MAX_TILES) / columns))
    cell_w = (WIDTH - 16) // columns
    cell_h = (HEIGHT - 72) // rows
    return columns, cell_w - 12, cell_h - 30


def draw_sheet(label: SheetLabel, tiles: list[Tile], total: int) -> Canvas:
    """The frame: the STAND-IN banner, then one tile per texture (the first MAX_TILES)."""
    canvas = Canvas(WIDTH, HEIGHT, PAPER)
    canvas.text(8, 8, "STAND-IN  (NOT MAYA)", INK, 3)
    line = f"FRAME {label.frame:04d}  LAYER {label.layer}  CAMERA {label.camera.rsplit('|', 1)[-1]}"
    canvas.text(8, 30, line, TEXT, 2)
    shown = f"{total} TEXTURE(S) AS READ ON THIS NODE" if total else "THE SCENE USES NO TEXTURES"
    if total > len(tiles):
        shown += f", FIRST {len(tiles)} SHOWN"
    canvas.text(8, 46, f"{label.scene}: {shown}", MUTED, 2)
    columns, tw, th = tile_box(len(tiles))
    cell_w = tw + 12
    cell_h = th + 30
    for index, tile in enumerate(tiles):
        x = 8 + (index % columns) * cell_w
        y = 64 + (index // columns) * cell_h
        canvas.fill(x, y, tw + 8, th + 8, TILE_PAPER)
        if tile.problem:
            canvas.text(x + 6, y + 6, "NO PICTURE:", INK, 1)
            for n, start in enumerate(range(0, min(len(tile.problem), 140), 28)):
                canvas.text(x + 6, y + 14 + 8 * n, tile.problem[start : start + 28], TEXT, 1)
        else:
            ox = x + 4 + (tw - tile.width) // 2
            oy = y + 4 + (th - tile.height) // 2
            canvas.paste(ox, oy, tile.width, list(tile.rows))
        name = tile.texture.path.name
        scale = 2 if text_width(name, 2) <= tw + 8 else 1
        canvas.text(x, y + th + 11, _fit_text(name, tw + 8, scale), TEXT, scale)
        canvas.text(x, y + th + 23, _fit_text(tile.texture.plug, tw + 8, 1), MUTED, 1)
    return canvas


def _fit_text(text: str, width: int, scale: int) -> str:
    """The end of `text` when it is too long: the end of a file name says the most."""
    if text_width(text, scale) <= width:
        return text
    keep = max(1, width // (4 * scale) - 1)
    return "~" + text[-keep:] if keep < len(text) else text
