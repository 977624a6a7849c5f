"""The stand-in's frames are contact sheets of the textures the node has, in the scene's format.

The stand-in runs from the shipped copy under `python -S` (no site-packages: the standard
library alone, as on a node without imaging libraries); the frames are then read back here
with the real libraries.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import OpenEXR
import pytest
from PIL import Image

from azure_batch_maya.images.decode import display_pixels
from azure_batch_maya.node import contactsheet
from azure_batch_maya.node.contactsheet import Texture, read_tile
from azure_batch_maya.node.pngread import read_png
from azure_batch_maya.node.standin import MISSING_EXIT
from azure_batch_maya.render.settings import SubmitSettings
from tests.node.example import EXAMPLES, build_node, example, example_job

WOOD = EXAMPLES / "shot010" / "sourceimages" / "wood_albedo.png"


def node_for(tmp_path: Path, image_format: str) -> tuple[Path, Path]:
    """A node for the example project with its image format set to `image_format`."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLES, root)
    scene = root / "shot010" / "scenes" / "shot010_lighting.ma"
    text = scene.read_text("utf-8").replace('"png";', f'"{image_format}";')
    scene.write_text(text, "utf-8")
    job = example_job(SubmitSettings(stand_in=True, chunk_size=5), root=root)
    ship = build_node(tmp_path / "node", example(root), job)
    work = tmp_path / "node" / "task" / "wd"
    work.mkdir(parents=True)
    return ship, work


def run_stand_in(ship: Path, work: Path) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-S", "-E", str(ship), "render", "frames-0001-0005", "--stand-in"]
    return subprocess.run(argv, cwd=work, capture_output=True, text=True, encoding="utf-8")


def first_tile_centre(count: int) -> tuple[int, int]:
    _columns, tw, th = contactsheet.tile_box(count)
    return 8 + (tw + 8) // 2, 64 + (th + 8) // 2


def wood_colour() -> tuple[int, ...]:
    _w, _h, rows = read_png(WOOD)
    return tuple(rows[4][12:15])


def test_an_exr_scene_gets_exr_frames_showing_its_textures(tmp_path: Path) -> None:
    ship, work = node_for(tmp_path, "exr")
    result = run_stand_in(ship, work)
    assert result.returncode == 0, result.stderr
    frames = sorted(work.rglob("*.exr"))
    assert [f.name for f in frames] == [f"shot010_lighting.{i:04d}.exr" for i in range(1, 6)]
    with OpenEXR.File(str(frames[2])) as exr:
        header = dict(exr.header())
    assert header["Frame"] == "3" and header["Camera"] == "shotCam"
    assert "not Maya" in header["Software"]
    assert str(ship.parent / "assets") in header["Textures"]
    assert "wood_albedo.png" in header["Textures"]
    pixels = display_pixels(frames[2], size=640)  # the thumbnails' own decoder
    assert pixels.shape == (360, 640, 4)
    x, y = first_tile_centre(6)
    wood = wood_colour()
    assert all(abs(int(pixels[y, x, c]) - wood[c]) <= 1 for c in range(3))


def test_the_png_demo_frame_shows_the_wood_texture_read_on_the_node(tmp_path: Path) -> None:
    ship, work = node_for(tmp_path, "png")
    assert run_stand_in(ship, work).returncode == 0
    frame = next(work.rglob("shot010_lighting.0001.png"))
    width, height, rows = read_png(frame)
    x, y = first_tile_centre(6)
    assert (width, height) == (640, 360)
    assert tuple(rows[y][3 * x : 3 * x + 3]) == wood_colour()


def test_an_iff_scene_fails_before_any_frame_naming_the_format(tmp_path: Path) -> None:
    ship, work = node_for(tmp_path, "iff")
    result = run_stand_in(ship, work)
    assert result.returncode == MISSING_EXIT
    assert "cannot write IFF frames" in result.stderr
    assert [p.name for p in work.rglob("*") if p.is_file() and "images" in p.parts] == []


def test_a_texture_without_a_decoder_on_the_node_gets_a_tile_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jpeg = tmp_path / "bark.jpg"
    Image.new("RGB", (16, 8), (10, 200, 30)).save(jpeg, quality=95)
    texture = Texture("bark.ftn", jpeg)
    tile = read_tile(texture, 40, 40)
    assert (tile.width, tile.height) == (40, 20) and not tile.problem
    assert abs(tile.rows[10][60 + 1] - 200) <= 3  # pixel 20's green, through Pillow
    monkeypatch.setitem(sys.modules, "PIL", None)
    assert "Pillow is absent" in read_tile(texture, 40, 40).problem
    monkeypatch.setitem(sys.modules, "OpenEXR", None)
    exr = tmp_path / "a.exr"
    exr.write_bytes(b"v/1\x01")
    assert "OpenEXR is absent" in read_tile(Texture("a.ftn", exr), 40, 40).problem


def test_without_pillow_pngs_are_read_by_the_standard_library_up_to_a_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small, large = tmp_path / "small.png", tmp_path / "large.png"
    Image.new("RGB", (4, 4), (9, 99, 199)).save(small)
    Image.new("RGB", (1100, 1000), (9, 99, 199)).save(large)
    monkeypatch.setitem(sys.modules, "PIL", None)
    tile = read_tile(Texture("s.ftn", small), 8, 8)
    assert tile.rows[0][:3] == bytes((9, 99, 199))
    assert "1100x1000 is too large" in read_tile(Texture("l.ftn", large), 8, 8).problem
