"""The Jobs tab's strip of frame thumbnails: decoded on a worker, scrolled, opened on double-click.

Decoding (EXR and TIFF included, through `images.decode`) runs on a worker thread; the main
thread only turns the finished QImages into icons. A frame that cannot be decoded keeps its
place as a placeholder tile whose tooltip says why. Double-click opens the frame in the
viewer the operating system has for its type.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from azure_batch_maya.images.decode import thumbnail
from azure_batch_maya.images.rgba import Rgba8
from azure_batch_maya.ui.qt import QtCore, QtGui, QtWidgets, open_local_file
from azure_batch_maya.ui.worker import Report, Task, Workers

THUMB = 96
BATCH = 6  # frames per worker task: tiles fill in as their batch is decoded
# formats Qt reads itself: used when the imaging libraries are not installed
_QT_READS = (".png", ".jpg", ".jpeg", ".bmp")


class ThumbnailStrip(QtWidgets.QListWidget):
    """One tile per frame, left to right in one row that scrolls sideways."""

    def __init__(self, workers: Workers, size: int = THUMB) -> None:
        super().__init__()
        self.workers = workers
        self.tile = size
        self.open_file: Callable[[Path], bool] = open_local_file  # swappable for tests
        self.shown: tuple[Path, ...] = ()
        self._tasks: list[Task[list[tuple[Path, QtGui.QImage, str]]]] = []
        self.pending = 0  # batches still being decoded
        self.setViewMode(QtWidgets.QListView.ViewMode.IconMode)
        self.setFlow(QtWidgets.QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setIconSize(QtCore.QSize(size, size))
        self.setFixedHeight(size + 44 + self.horizontalScrollBar().sizeHint().height())
        self.setMovement(QtWidgets.QListView.Movement.Static)
        self.setHorizontalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setToolTip("Double-click a frame to open it")
        self.itemDoubleClicked.connect(self._open)

    def show_frames(self, paths: Sequence[Path]) -> None:
        """One tile per frame at once, named; the pictures fill in as workers decode them.
        The same list again does nothing."""
        wanted = tuple(paths)
        if wanted == self.shown:
            return
        self.shown = wanted
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        self.clear()
        for path in wanted:
            item = QtWidgets.QListWidgetItem(path.stem.rsplit(".", 1)[-1])
            item.setToolTip(str(path))
            item.setData(QtCore.Qt.ItemDataRole.UserRole, str(path))
            self.addItem(item)
        self.pending = 0
        for start in range(0, len(wanted), BATCH):
            self._decode(wanted, start)

    def _decode(self, wanted: tuple[Path, ...], start: int) -> None:
        batch, size = wanted[start : start + BATCH], self.tile
        self.pending += 1
        self._tasks.append(
            self.workers.start(
                lambda report: small_images(batch, size, report),
                on_done=lambda images: self._fill(wanted, start, images),
                on_error=lambda _exc: self._fill(wanted, start, []),
            )
        )

    def forget(self) -> None:
        """Decode again on the next `show_frames` (the files changed: a download finished)."""
        self.shown = ()

    def _fill(
        self, paths: tuple[Path, ...], start: int, images: list[tuple[Path, QtGui.QImage, str]]
    ) -> None:
        if paths != self.shown:
            return  # another job was picked meanwhile
        self.pending -= 1
        for offset, (path, image, problem) in enumerate(images):
            item = self.item(start + offset)
            item.setIcon(QtGui.QIcon(QtGui.QPixmap.fromImage(image)))
            item.setToolTip(f"{path}\n{problem}" if problem else str(path))
        self.doItemsLayout()  # tiles laid out as text only would overlap their new pictures

    def _open(self, item: QtWidgets.QListWidgetItem) -> None:
        path = item.data(QtCore.Qt.ItemDataRole.UserRole)
        if path:
            self.open_file(Path(str(path)))


def small_images(
    paths: Sequence[Path], size: int, report: Report | None = None
) -> list[tuple[Path, QtGui.QImage, str]]:
    """(frame, thumbnail, problem or "") for each frame; runs on a worker thread (QImage, unlike
    QPixmap, may be made off the main thread). Stops early when the report is cancelled."""
    images = []
    for done, path in enumerate(paths):
        if report is not None:
            if report.cancel.is_set():
                break
            report.progress(done, len(paths))
        rgba = thumbnail(path, size)
        image, problem = to_qimage(rgba), rgba.problem
        if problem and path.suffix.lower() in _QT_READS:
            own = QtGui.QImage(str(path))  # no imaging libraries: Qt still reads these
            if not own.isNull():
                image = own.scaled(
                    size,
                    size,
                    QtCore.Qt.AspectRatioMode.KeepAspectRatio,
                    QtCore.Qt.TransformationMode.SmoothTransformation,
                )
                problem = ""
        images.append((path, image, problem))
    return images


def to_qimage(rgba: Rgba8) -> QtGui.QImage:
    """A QImage owning a copy of the pixels (the bytes object may go away)."""
    image = QtGui.QImage(
        rgba.pixels, rgba.width, rgba.height, 4 * rgba.width, QtGui.QImage.Format.Format_RGBA8888
    )
    return image.copy()
