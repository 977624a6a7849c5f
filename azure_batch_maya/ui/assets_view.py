"""The Assets tab's widgets: the reference table, search paths, added files, Upload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from azure_batch_maya.controllers.assets import AssetRow, AssetsController, ScanResult
from azure_batch_maya.transfer.sizes import size_text
from azure_batch_maya.transfer.upload import UploadReport
from azure_batch_maya.ui.asset_table import AssetTableModel
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, WARN, set_status
from azure_batch_maya.ui.qt import QtCore, QtWidgets
from azure_batch_maya.ui.worker import Task, Workers

FolderPicker = Callable[[str], "str | None"]
FilesPicker = Callable[[], list[str]]


class AssetsView(QtWidgets.QWidget):
    def __init__(self, controller: AssetsController, workers: Workers) -> None:
        super().__init__()
        self.controller = controller
        self.workers = workers
        self.upload_task: Task[UploadReport] | None = None
        self.scan_task: Task[ScanResult] | None = None
        self.hint_task: Task[str] | None = None
        # Dialogs are swappable so tests can answer them.
        self.choose_folder: FolderPicker = self._ask_folder
        self.choose_files: FilesPicker = self._ask_files
        controller.save_later = self._save_on_worker

        self.project_name = QtWidgets.QLineEdit()
        self.project_name.setToolTip("The asset project's name in storage (a container name)")
        self.summary = QtWidgets.QLabel()
        top = QtWidgets.QHBoxLayout()
        top.addWidget(QtWidgets.QLabel("Project"))
        top.addWidget(self.project_name, 1)
        top.addWidget(self.summary)

        self.model = AssetTableModel(controller.set_selected)
        self.table = QtWidgets.QTreeView()
        self.table.setModel(self.model)
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setUniformRowHeights(True)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        header = self.table.header()
        header.setStretchLastSection(True)
        header.resizeSection(0, 64)
        header.resizeSection(1, 170)
        header.resizeSection(2, 300)

        self.search_paths = QtWidgets.QListWidget()
        self.search_paths.setMaximumHeight(64)
        self.search_paths.setToolTip("Folders searched, with their subfolders, for missing files")
        self.remove_search_button = QtWidgets.QPushButton("Remove")
        self.remove_search_button.setToolTip("Stop searching the chosen folder")
        searched = QtWidgets.QHBoxLayout()
        searched.addWidget(QtWidgets.QLabel("Search paths"))
        searched.addWidget(self.search_paths, 1)
        searched.addWidget(self.remove_search_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        self.add_search_button = QtWidgets.QPushButton("Add Search Path…")
        self.add_file_button = QtWidgets.QPushButton("Add File…")
        self.add_dir_button = QtWidgets.QPushButton("Add Directory…")
        self.rescan_button = QtWidgets.QPushButton("Rescan")
        buttons = QtWidgets.QHBoxLayout()
        for button in (
            self.add_search_button,
            self.add_file_button,
            self.add_dir_button,
            self.rescan_button,
        ):
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.upload_button = QtWidgets.QPushButton("Upload")
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        upload = QtWidgets.QHBoxLayout()
        upload.addWidget(self.progress, 1)
        upload.addWidget(self.upload_button)
        upload.addWidget(self.cancel_button)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(searched)
        layout.addLayout(buttons)
        layout.addLayout(upload)
        layout.addWidget(self.status)

        self.project_name.editingFinished.connect(
            lambda: controller.set_project_name(self.project_name.text())
        )
        self.table.clicked.connect(self._clicked)
        self.add_search_button.clicked.connect(lambda: self.add_search_path())
        self.remove_search_button.clicked.connect(self._remove_search_path)
        self.add_file_button.clicked.connect(self._add_files)
        self.add_dir_button.clicked.connect(self._add_directory)
        self.rescan_button.clicked.connect(self.scan)
        self.upload_button.clicked.connect(self.upload)
        self.cancel_button.clicked.connect(self._cancel)
        controller.changed.connect(lambda _c: self.show_controller())
        self.show_controller()

    # Actions ------------------------------------------------------------------------------------

    def scan(self) -> None:
        """Resolve the scene's files on a worker; the table fills in when it is done."""
        if self.controller.session.scene is None:
            return
        set_status(self.status, "Looking for the scene's files…", MUTED)
        self.rescan_button.setEnabled(False)
        self.scan_task = self.workers.start(
            lambda _report: self.controller.scan(),
            on_done=self._scanned,
            on_error=self._scan_failed,
        )

    def add_search_path(self, start: str = "") -> None:
        folder = self.choose_folder(start)
        if folder:
            self.controller.add_search_path(folder)
            self.scan()

    def upload(self) -> None:
        self.upload_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        set_status(self.status, "Hashing and uploading…", MUTED)
        self.upload_task = self.workers.start(
            lambda report: self.controller.upload(progress=report.progress, cancel=report.cancel),
            on_done=self._uploaded,
            on_error=self._upload_failed,
            on_progress=self._progress,
        )

    # Display ------------------------------------------------------------------------------------

    def show_controller(self) -> None:
        c = self.controller
        self.project_name.setText(c.project_name)
        if self.model.rows != c.rows:
            self.model.set_rows(c.rows)
        missing = len(c.missing)
        found = len(c.rows) - missing
        if c.result is None:
            self.summary.setText("")
        elif missing:
            set_status(self.summary, f"{found} found, {missing} missing", BAD)
        else:
            set_status(self.summary, f"all {found} found", GOOD)
        paths = list(c.choices.search_paths)
        if [self.search_paths.item(i).text() for i in range(self.search_paths.count())] != paths:
            self.search_paths.clear()
            self.search_paths.addItems(paths)
        self.remove_search_button.setEnabled(bool(paths))

    def _scanned(self, result: ScanResult) -> None:
        self.rescan_button.setEnabled(True)
        self.controller.apply_scan(result)
        missing = len(self.controller.missing)
        if missing:
            set_status(self.status, "Click a missing file to add the folder it is in.", WARN)
        else:
            self.status.clear()

    def _scan_failed(self, exc: Exception) -> None:
        self.rescan_button.setEnabled(True)
        set_status(self.status, f"Cannot scan: {exc}", BAD)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{size_text(done)} of {size_text(total)}")

    def _uploaded(self, report: UploadReport) -> None:
        self._upload_ended()
        self.progress.setMaximum(1)
        self.progress.setValue(1)
        set_status(
            self.status,
            f"Uploaded {report.uploaded_files} files ({size_text(report.uploaded_bytes)}); "
            f"{report.skipped_files} were already in storage.",
            GOOD,
        )

    def _upload_failed(self, exc: Exception) -> None:
        self._upload_ended()
        set_status(self.status, f"Upload stopped: {exc}", BAD)

    def _upload_ended(self) -> None:
        self.upload_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _cancel(self) -> None:
        if self.upload_task is not None:
            self.upload_task.cancel()
            set_status(self.status, "Cancelling…", MUTED)

    def _save_on_worker(self, write: Callable[[], None]) -> None:
        self.workers.start(lambda _report: write(), on_error=self._save_failed)

    def _save_failed(self, exc: Exception) -> None:
        set_status(
            self.status,
            f"Cannot save this scene's asset choices ({exc}); the panel keeps them and saves "
            "them again with the next change.",
            BAD,
        )

    def _clicked(self, index: QtCore.QModelIndex) -> None:
        """A missing file: ask for the folder that has it, starting near where it was (found
        on a worker: the written folder may be on a server that takes seconds to answer)."""
        row = self.model.row(index)
        if self.hint_task is not None and self.hint_task.running:
            return  # a second click while the first's folder is looked for: one dialog
        if row is not None and not row.found and index.column() != 0:
            self.hint_task = self.workers.start(
                lambda _report: _folder_hint(row), on_done=self.add_search_path
            )

    def _remove_search_path(self) -> None:
        item = self.search_paths.currentItem()
        if item is not None:
            self.controller.remove_search_path(item.text())
            self.scan()

    def _add_files(self) -> None:
        files = self.choose_files()
        if files:
            self.controller.add_paths(files)
            self.scan()  # looks at them, off this thread

    def _add_directory(self) -> None:
        folder = self.choose_folder("")
        if folder:
            self.controller.add_paths([folder])
            self.scan()

    def _ask_folder(self, start: str) -> str | None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Choose a folder", start)
        return folder or None

    def _ask_files(self) -> list[str]:
        files, _filter = QtWidgets.QFileDialog.getOpenFileNames(self, "Add files to send")
        return list(files)


def _folder_hint(row: AssetRow) -> str:
    """Where the folder dialog starts: the written folder's parent when it exists here. Slow."""
    for parent in Path(row.written.replace("\\", "/")).parents:
        if parent.is_dir() and str(parent) not in ("/", "."):
            return str(parent)
    return ""
