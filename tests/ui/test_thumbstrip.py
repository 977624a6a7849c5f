"""The Jobs tab's thumbnails: EXR and TIFF frames decoded off the main thread, a strip that
scrolls, a placeholder that says why, and double-click opening the frame."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
import tifffile

from azure_batch_maya.app.submit import wait_for_job
from azure_batch_maya.controllers.jobs import JobsController
from azure_batch_maya.images import decode
from azure_batch_maya.images.rgba import Rgba8
from azure_batch_maya.node import contactsheet
from azure_batch_maya.node.framefiles import write_frame
from azure_batch_maya.node.pngread import read_png
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.ui import thumbstrip
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore
from azure_batch_maya.ui.thumbstrip import ThumbnailStrip
from azure_batch_maya.ui.worker import Workers
from tests.controllers.test_jobs import submitted_job

JOB = "job-exr"


def write_exr(path: Path, rgb: tuple[float, float, float]) -> None:
    pixels = np.empty((54, 96, 3), dtype=np.float16)
    pixels[:] = rgb
    path.parent.mkdir(parents=True, exist_ok=True)
    header = {"compression": OpenEXR.PIZ_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, {"RGB": pixels}).write(str(path))


def centre_colour(strip: ThumbnailStrip, row: int) -> tuple[int, int, int]:
    image = strip.item(row).icon().pixmap(strip.iconSize()).toImage()
    colour = image.pixelColor(image.width() // 2, image.height() // 2)
    return (colour.red(), colour.green(), colour.blue())


@pytest.fixture
def panel(qtbot, home, memory_keyring, scene):
    made = Panel(make_controllers(scene))
    qtbot.addWidget(made)
    made.show()
    yield made
    made.close()
    made.workers.wait()


def test_exr_frames_appear_in_the_jobs_tab_decoded_on_a_worker(panel, qtbot, tmp_path, monkeypatch):
    threads: list[threading.Thread] = []
    real = decode.thumbnail

    def spy(path: Path, size: int = decode.DEFAULT_SIZE) -> Rgba8:
        threads.append(threading.current_thread())
        return real(path, size)

    monkeypatch.setattr(thumbstrip, "thumbnail", spy)
    images = tmp_path / JOB / "images" / "shot" / "masterLayer"
    write_exr(images / "shot.0001.exr", (0.214, 0.0, 0.0))
    # the stand-in's own EXR writer (standard library, half float, ZIP)
    rows = [bytes((0, 128, 0)) * 96 for _ in range(54)]
    write_frame(images / "shot.0002.exr", 96, 54, rows, {"Frame": "2"})
    flat = np.full((54, 96, 3), 0.214, np.float32)
    tifffile.imwrite(images / "shot.0003.tif", flat, photometric="rgb")
    jobs = panel.controllers.jobs
    jobs.set_output_root(tmp_path)
    jobs.select(JOB)
    strip = panel.jobs.thumbnails
    qtbot.waitUntil(lambda: strip.count() == 3 and strip.pending == 0, timeout=10000)
    assert [strip.item(i).text() for i in range(3)] == ["0001", "0002", "0003"]
    red, green, grey = (centre_colour(strip, i) for i in range(3))
    assert abs(red[0] - 128) <= 2 and red[1:] == (0, 0)
    assert abs(green[1] - 128) <= 2 and green[0] == 0
    assert all(abs(c - 128) <= 2 for c in grey)
    assert len(threads) == 3 and threading.main_thread() not in threads


def test_the_strip_scrolls_keeps_a_placeholder_and_double_click_opens(qtbot, tmp_path):
    workers = Workers()
    strip = ThumbnailStrip(workers, size=48)
    qtbot.addWidget(strip)
    strip.resize(200, strip.height())
    strip.show()
    opened: list[Path] = []

    def record(path: Path) -> bool:
        opened.append(path)
        return True

    strip.open_file = record
    frames = [tmp_path / f"f.{i:04d}.exr" for i in range(1, 21)]
    for frame in frames[:-1]:
        write_exr(frame, (0.5, 0.5, 0.5))
    frames[-1].write_bytes(b"half a frame")
    strip.show_frames(frames)
    assert strip.count() == 20  # named tiles at once; pictures as each batch is decoded
    qtbot.waitUntil(lambda: strip.pending == 0, timeout=10000)
    assert strip.horizontalScrollBar().maximum() > 0
    assert "not an EXR, TIFF, PNG or JPEG" in strip.item(19).toolTip()
    strip.scrollToItem(strip.item(5))
    rect = strip.visualItemRect(strip.item(5))
    left = QtCore.Qt.MouseButton.LeftButton
    qtbot.mouseClick(strip.viewport(), left, pos=rect.center())  # as a person: press, then twice
    qtbot.mouseDClick(strip.viewport(), left, pos=rect.center())
    assert opened == [frames[5]]
    workers.wait()


@pytest.mark.slow
def test_exr_frames_the_stand_in_wrote_on_the_local_pool_show_their_textures(
    connected, example, qtbot, tmp_path
):
    scene_file = example / "shot010" / "scenes" / "shot010_lighting.ma"
    scene_file.write_text(scene_file.read_text("utf-8").replace('"png";', '"exr";'), "utf-8")
    job_id = submitted_job(connected, example, read_ma(scene_file), tmp_path)
    assert wait_for_job(connected.require_connection(), job_id, interval=0.3).succeeded
    jobs = JobsController(connected, output_root=tmp_path / "frames")
    jobs.download(job_id)
    frames = jobs.thumbnails(job_id)
    assert [p.name for p in frames] == [f"shot010_lighting.000{i}.exr" for i in (1, 2)]
    workers = Workers()
    strip = ThumbnailStrip(workers)
    qtbot.addWidget(strip)
    strip.show_frames(frames)
    qtbot.waitUntil(lambda: strip.count() == 2 and strip.pending == 0, timeout=10000)
    assert strip.item(0).toolTip() == str(frames[0])  # no problem to report
    # the wood texture's tile, where the sheet puts the first of its six textures
    _columns, tw, th = contactsheet.tile_box(6)
    x, y = 8 + (tw + 8) // 2, 64 + (th + 8) // 2
    image = strip.item(0).icon().pixmap(strip.iconSize()).toImage()
    scale = image.width() / contactsheet.WIDTH
    colour = image.pixelColor(round(x * scale), round(y * scale))
    _w, _h, rows = read_png(example / "shot010" / "sourceimages" / "wood_albedo.png")
    wood = rows[4][12:15]
    assert abs(colour.red() - wood[0]) <= 4 and abs(colour.green() - wood[1]) <= 4
    workers.wait()
    jobs.delete(job_id)
