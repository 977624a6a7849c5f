"""The Jobs tab's widgets: jobs with progress, details, cancel, delete, download, thumbnails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from azure_batch_maya.app.jobs.retry import Retried
from azure_batch_maya.app.jobs.scouts import Released
from azure_batch_maya.controllers.jobs import JobDetails, JobRow, JobsController
from azure_batch_maya.transfer.download import DownloadReport
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, set_status
from azure_batch_maya.ui.listing import PeriodicListing, ask_yes_no
from azure_batch_maya.ui.notifier import TrayNotifier
from azure_batch_maya.ui.qt import QtCore, QtGui, QtWidgets, open_local_file
from azure_batch_maya.ui.thumbstrip import ThumbnailStrip
from azure_batch_maya.ui.worker import Task, Workers

COLUMNS = ("Job", "State", "Progress", "Submitted", "Pool", "Problem")
STATE_COLUMN, PROBLEM_COLUMN = 1, 5
GO_CODE = "WaitingForRelease"  # app.jobs.health's problem for scouts awaiting Render the Rest
REFRESH_MS = 5000


class JobsView(QtWidgets.QWidget):
    def __init__(self, controller: JobsController, workers: Workers) -> None:
        super().__init__()
        self.controller = controller
        self.workers = workers
        self.download_task: Task[DownloadReport] | None = None
        self.confirm: Callable[[str], bool] = self._ask  # swappable for tests

        self.table = QtWidgets.QTreeWidget()
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        header = self.table.header()
        header.setStretchLastSection(True)
        for column, width in enumerate((220, 70, 150, 100, 80)):
            header.resizeSection(column, width)
        self.details = QtWidgets.QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(60)
        self.details.setPlaceholderText("Pick a job to see its failed tasks.")

        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.cancel_button = QtWidgets.QPushButton("Cancel Job")
        self.delete_button = QtWidgets.QPushButton("Delete Job…")
        self.retry_button = QtWidgets.QPushButton("Re-run Failed")
        self.retry_button.setToolTip(
            "Run the job's failed tasks again on the inputs it was submitted with"
        )
        self.notify_box = QtWidgets.QCheckBox("Notify me when a job ends")
        self.notifier = TrayNotifier(self)
        self.download_button = QtWidgets.QPushButton("Download")
        self.download_button.setToolTip("Bring the job's frames and logs into the output folder")
        self.background_button = QtWidgets.QPushButton("Download in Background")
        self.background_button.setToolTip(
            "A separate process fetches frames as they finish, and goes on after Maya closes"
        )
        actions = QtWidgets.QHBoxLayout()
        for button in (
            self.refresh_button,
            self.cancel_button,
            self.delete_button,
            self.retry_button,
        ):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.download_button)
        actions.addWidget(self.background_button)

        self.output = QtWidgets.QLineEdit()
        self.browse_button = QtWidgets.QToolButton()
        self.browse_button.setText("…")
        self.browse_button.setToolTip("Choose the folder jobs are downloaded into")
        self.open_button = QtWidgets.QPushButton("Open Folder")
        folder = QtWidgets.QHBoxLayout()
        folder.addWidget(QtWidgets.QLabel("Output folder"))
        folder.addWidget(self.output, 1)
        folder.addWidget(self.browse_button)
        folder.addWidget(self.open_button)
        folder.addWidget(self.notify_box)

        self.progress = QtWidgets.QProgressBar()
        self.progress.setFormat("")
        self.cancel_download_button = QtWidgets.QPushButton("Cancel Download")
        self.cancel_download_button.setEnabled(False)
        downloading = QtWidgets.QHBoxLayout()
        downloading.addWidget(self.progress, 1)
        downloading.addWidget(self.cancel_download_button)
        self.thumbnails = ThumbnailStrip(workers)
        self.scout_estimate = QtWidgets.QLabel()
        self.scout_estimate.setWordWrap(True)
        self.release_button = QtWidgets.QPushButton("Render the Rest")
        self.release_button.setToolTip(
            "The scout frames look right: render the rest of the job (jobs release)"
        )
        self.release_button.setEnabled(False)
        scouting = QtWidgets.QHBoxLayout()
        scouting.addWidget(self.scout_estimate, 1)
        scouting.addWidget(self.release_button)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addLayout(actions)
        layout.addWidget(self.details, 1)
        layout.addLayout(folder)
        layout.addLayout(downloading)
        layout.addWidget(self.thumbnails)
        layout.addLayout(scouting)
        layout.addWidget(self.status)

        self.listing: PeriodicListing[tuple[JobRow, ...]] = PeriodicListing(
            self,
            workers,
            interval_ms=REFRESH_MS,
            ready=lambda: controller.session.connection is not None,
            fetch=controller.list_jobs,
            show=self._listed,
            failed=self._list_failed,
        )
        self.timer = self.listing.timer
        self.refresh_button.clicked.connect(self.refresh)
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.retry_button.clicked.connect(self.retry_selected)
        self.release_button.clicked.connect(self.release_selected)
        self.notify_box.toggled.connect(controller.set_notify)
        controller.ended.connect(self.notifier.show)
        self.download_button.clicked.connect(self.download_selected)
        self.cancel_download_button.clicked.connect(self._cancel_download)
        self.background_button.clicked.connect(self.download_in_background)
        self.browse_button.clicked.connect(self._browse)
        self.open_button.clicked.connect(self._open_folder)
        self.output.editingFinished.connect(
            lambda: controller.set_output_root(Path(self.output.text()))
        )
        # A pick is handled after the table's signal returns, never inside it: selecting rebuilds
        # the table, and clear() inside currentItemChanged deletes the very items Qt is still
        # delivering (PySide2, i.e. Maya 2024, crashes there).
        self._pick = QtCore.QTimer(self)
        self._pick.setSingleShot(True)
        self._pick.setInterval(0)
        self._pick.timeout.connect(self._selection_changed)
        self.table.currentItemChanged.connect(lambda _a, _b: self._pick.start())
        controller.changed.connect(lambda _c: self.show_controller())
        controller.session.connection_changed.connect(lambda _c: self.refresh())
        self.show_controller()

    # Actions ------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.listing.refresh()

    def cancel_selected(self) -> None:
        job_id = self.controller.selected
        if job_id:
            self._act(lambda: self.controller.cancel(job_id), f"Cancelling {job_id}.")

    def delete_selected(self) -> None:
        job_id = self.controller.selected
        if job_id and self.confirm(
            f"Delete job {job_id}? Its tasks and their logs on the nodes go; frames you "
            "downloaded stay."
        ):
            self._act(lambda: self.controller.delete(job_id), f"Deleting {job_id}.")

    def retry_selected(self) -> None:
        job_id = self.controller.selected
        if not job_id:
            return
        set_status(self.status, f"Re-running the failed tasks of {job_id}…", MUTED)
        self.workers.start(
            lambda _report: self.controller.retry(job_id),
            on_done=self._retried,
            on_error=lambda exc: set_status(self.status, f"Not re-run: {exc}", BAD),
        )

    def release_selected(self) -> None:
        job_id = self.controller.selected
        if not job_id:
            return
        self.release_button.setEnabled(False)
        set_status(self.status, f"Releasing the rest of {job_id}…", MUTED)
        self.workers.start(
            lambda _report: self.controller.release(job_id),
            on_done=self._released,
            on_error=lambda exc: set_status(self.status, f"Not released: {exc}", BAD),
        )

    def _released(self, done: Released) -> None:
        if done.already:
            text = f"The rest of {done.job_id} was already released."
        elif done.scouts_pending:
            text = f"Released {done.job_id}: the rest starts once its scout frames succeed."
        else:
            text = f"Released {done.job_id}: the rest of its frames render now."
        set_status(self.status, text, GOOD)
        self.refresh()

    def _retried(self, done: Retried) -> None:
        where = f"as job {done.follow_up}" if done.follow_up else "in the job"
        set_status(
            self.status,
            f"Re-running {len(done.task_ids)} failed task(s) of {done.job_id} {where}; their "
            "images arrive with the job's others.",
            GOOD,
        )
        self.refresh()

    def download_selected(self) -> None:
        job_id = self.controller.selected
        if not job_id:
            return
        self.download_button.setEnabled(False)
        self.cancel_download_button.setEnabled(True)
        set_status(self.status, f"Downloading {job_id}…", MUTED)
        self.download_task = self.workers.start(
            lambda report: self.controller.download(
                job_id, progress=report.progress, cancel=report.cancel
            ),
            on_done=lambda report: self._downloaded(job_id, report),
            on_error=self._download_failed,
            on_progress=self._progress,
        )

    def download_in_background(self) -> None:
        job_id = self.controller.selected
        if not job_id:
            return
        folder = self.controller.output_folder(job_id)
        set_status(self.status, f"Starting a background download of {job_id}…", MUTED)
        self.workers.start(
            lambda _report: self.controller.download_in_background(job_id),
            on_done=lambda started: set_status(
                self.status,
                f"Downloading {job_id} in the background into {folder} (process "
                f"{started.pid}, log {started.log_path}); it goes on if you close Maya.",
                GOOD,
            ),
            on_error=lambda exc: set_status(self.status, f"Not started: {exc}", BAD),
        )

    # Display ------------------------------------------------------------------------------------

    def show_controller(self) -> None:
        c = self.controller
        self.table.blockSignals(True)
        self.table.clear()
        for row in c.rows:
            item = QtWidgets.QTreeWidgetItem(
                [row.id, row.status, "", _when(row), row.pool, row.note]
            )
            item.setData(0, QtCore.Qt.ItemDataRole.UserRole, row)
            item.setToolTip(2, row.progress_text)
            if row.stuck:
                item.setForeground(STATE_COLUMN, QtGui.QBrush(QtGui.QColor(BAD)))
            if row.note:
                item.setToolTip(PROBLEM_COLUMN, _note_tip(row))
                if row.note_is_bad:
                    item.setForeground(PROBLEM_COLUMN, QtGui.QBrush(QtGui.QColor(BAD)))
            self.table.addTopLevelItem(item)
            bar = QtWidgets.QProgressBar()
            bar.setValue(row.progress)
            bar.setFormat(row.progress_text)
            if row.counts is not None and row.counts.failed:
                bar.setStyleSheet(f"QProgressBar::chunk {{ background: {BAD}; }}")
            self.table.setItemWidget(item, 2, bar)
            if row.id == c.selected:
                self.table.setCurrentItem(item)
        self.table.blockSignals(False)
        self.output.setText(str(c.output_root))
        selected = c.selected is not None
        buttons = (self.cancel_button, self.delete_button, self.download_button)
        for button in (*buttons, self.background_button):
            button.setEnabled((selected and button is not self.download_button) or selected)
        chosen = next((r for r in c.rows if r.id == c.selected), None)
        self.retry_button.setEnabled(
            chosen is not None and chosen.counts is not None and chosen.counts.failed > 0
        )
        self.notify_box.blockSignals(True)
        self.notify_box.setChecked(c.notify)
        self.notify_box.blockSignals(False)
        if self.download_task is not None and self.download_task.running:
            self.download_button.setEnabled(False)
        self._show_details(c.details)
        self._show_thumbnails()

    def _show_details(self, details: JobDetails | None) -> None:
        self._show_scouts(details)
        if details is None:
            self.details.clear()
            return
        verdict = details.verdict
        problems = verdict.problems if verdict is not None else ()
        stuck = verdict is not None and verdict.status == "stuck"
        waiting = bool(problems) and problems[0].code == GO_CODE
        self.details.setStyleSheet(f"color: {BAD};" if stuck and not waiting else "")
        said = [f"{_label(p.code, stuck)}: {p.text}\nWhat to do: {p.remedy}\n" for p in problems]
        if not details.failed and not details.preparation:
            self.details.setPlainText("\n".join([*said, f"{details.job_id}: no failed tasks."]))
            return
        lines = [*said, f"{details.job_id}: {len(details.failed)} failed task(s)"]
        for task in details.failed:
            lines.append(f"\n— {task.task_id} (exit code {task.exit_code})")
            lines.append(task.stderr_tail.rstrip() or "(no stderr)")
        for prep in details.preparation:
            lines.append(
                f"\n— fetching the inputs failed on node {prep.node_id} (exit code "
                f"{prep.exit_code}): no task can run there"
            )
            lines.append(prep.stderr_tail.rstrip() or prep.message or "(no stderr)")
        self.details.setPlainText("\n".join(lines))

    def _show_scouts(self, details: JobDetails | None) -> None:
        """Beside the scout thumbnails: the measured estimate of the rest, and its go."""
        text = details.scout_text if details is not None else ""
        bad = details is not None and details.scouts is not None and bool(details.scouts.failed)
        set_status(self.scout_estimate, text, BAD if bad else MUTED)
        self.scout_estimate.setVisible(bool(text))
        self.release_button.setVisible(bool(text))
        self.release_button.setEnabled(details is not None and details.can_release)

    def _show_thumbnails(self) -> None:
        job_id = self.controller.selected
        self.thumbnails.show_frames(self.controller.thumbnails(job_id) if job_id else ())

    def _selection_changed(self) -> None:
        item = self.table.currentItem()
        row = item.data(0, QtCore.Qt.ItemDataRole.UserRole) if item else None
        job_id = row.id if isinstance(row, JobRow) else None
        if job_id == self.controller.selected:
            return
        self.controller.select(job_id)
        self._fetch_details()

    def _fetch_details(self) -> None:
        """The chosen job's failed tasks (again after each refresh: they change as it runs)."""
        job_id = self.controller.selected
        if job_id is not None:
            self.workers.start(
                lambda _report: self.controller.get_details(job_id),
                on_done=self.controller.apply_details,
                on_error=lambda exc: set_status(self.status, f"No details: {exc}", BAD),
            )

    def _act(self, action: Callable[[], None], text: str) -> None:
        set_status(self.status, text, MUTED)
        self.workers.start(
            lambda _report: action(),
            on_done=lambda _none: self.refresh(),
            on_error=lambda exc: set_status(self.status, str(exc), BAD),
        )

    def _listed(self, rows: tuple[JobRow, ...]) -> None:
        self.controller.apply(rows)
        self._fetch_details()
        stuck = [r for r in rows if r.stuck and not _awaiting_go(r)]
        if stuck:  # in view without scrolling to the Problem column
            set_status(self.status, "\n".join(f"{r.id} is stuck: {r.note}" for r in stuck), BAD)

    def _list_failed(self, exc: Exception) -> None:
        set_status(self.status, f"Cannot list jobs: {exc}", BAD)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _cancel_download(self) -> None:
        if self.download_task is not None:
            self.download_task.cancel()
            set_status(self.status, "Cancelling the download…", MUTED)

    def _downloaded(self, job_id: str, report: DownloadReport) -> None:
        self.download_task = None
        self.download_button.setEnabled(True)
        self.cancel_download_button.setEnabled(False)
        folder = self.controller.output_folder(job_id)
        set_status(
            self.status,
            f"Downloaded {len(report.downloaded)} files ({report.skipped} already here) to "
            f"{folder}",
            GOOD,
        )
        self.thumbnails.forget()
        self._show_thumbnails()

    def _download_failed(self, exc: Exception) -> None:
        self.download_task = None
        self.download_button.setEnabled(True)
        self.cancel_download_button.setEnabled(False)
        set_status(self.status, f"Download stopped: {exc}", BAD)

    def _browse(self) -> None:
        folder = QtWidgets.QFileDialog.getExistingDirectory(
            self, "Output folder", str(self.controller.output_root)
        )
        if folder:
            self.controller.set_output_root(Path(folder))

    def _open_folder(self) -> None:
        job_id = self.controller.selected
        folder = self.controller.output_folder(job_id) if job_id else self.controller.output_root
        open_local_file(folder)

    def _ask(self, question: str) -> bool:
        return ask_yes_no(self, question)


def _awaiting_go(row: JobRow) -> bool:
    """Scouts rendered, the rest waits for the artist: not an alarm, a question."""
    problems = row.verdict.problems if row.verdict is not None else ()
    return bool(problems) and problems[0].code == GO_CODE


def _label(code: str, stuck: bool) -> str:
    if code == GO_CODE:
        return "Waiting for your go"
    return "Stuck" if stuck else "Note"


def _note_tip(row: JobRow) -> str:
    """The problem's remedy, or the whole of what the background downloader said."""
    if row.stuck and row.verdict is not None:
        return "\n".join(f"{p.text}\nWhat to do: {p.remedy}" for p in row.verdict.problems)
    return f"{row.outcome.text} ({row.outcome.at})" if row.outcome is not None else ""


def _when(row: JobRow) -> str:
    return row.created.astimezone().strftime("%d %b %H:%M") if row.created else ""
