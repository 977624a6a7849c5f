"""The Jobs tab's widgets: jobs with progress, details, cancel, delete, download, thumbnails."""

from __future__ import annotations

from pathlib import Path

from azure_batch_maya.app.jobs.retry import Retried
from azure_batch_maya.app.jobs.scouts import Released
from azure_batch_maya.controllers.jobs import JobDetails, JobLine, JobsController
from azure_batch_maya.transfer.download import DownloadReport
from azure_batch_maya.transfer.sizes import size_text
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, set_status
from azure_batch_maya.ui.listtab import ListTab
from azure_batch_maya.ui.notifier import TrayNotifier
from azure_batch_maya.ui.qt import QtGui, QtWidgets, open_local_file
from azure_batch_maya.ui.thumbstrip import ThumbnailStrip
from azure_batch_maya.ui.worker import Task, Workers

COLUMNS = ("Job", "State", "Progress", "Submitted", "Pool", "Problem")
STATE_COLUMN, POOL_COLUMN, PROBLEM_COLUMN = 1, 4, 5
GO_CODE = "WaitingForRelease"  # app.jobs.health's problem for scouts awaiting Render the Rest
REFRESH_MS = 5000


class JobsView(ListTab[JobLine]):
    """The job list (`jobs list`'s rows) with the chosen job's details and its frames."""

    noun = "jobs"

    def __init__(self, controller: JobsController, workers: Workers) -> None:
        super().__init__(
            controller.session,
            workers,
            row_type=JobLine,
            columns=COLUMNS,
            widths=(190, 70, 130, 95, 150),
            interval_ms=REFRESH_MS,
        )
        self.controller = controller
        self.download_task: Task[DownloadReport] | None = None
        self._frames_of: str | None = None  # the job whose frames the strip shows
        self.details = QtWidgets.QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(60)
        self.details.setPlaceholderText("Pick a job to see its failed tasks.")

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

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 2)
        layout.addLayout(actions)
        layout.addWidget(self.details, 1)
        layout.addLayout(folder)
        layout.addLayout(downloading)
        layout.addWidget(self.thumbnails)
        layout.addLayout(scouting)
        layout.addWidget(self.status)

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
        controller.changed.connect(lambda _c: self.show_controller())
        self.show_controller()

    # The list (ListTab) -------------------------------------------------------------------------

    def fetch(self) -> tuple[JobLine, ...]:
        return self.controller.list_jobs()

    def listed(self, rows: tuple[JobLine, ...]) -> None:
        self.controller.apply(rows)
        self._fetch_details()
        self._list_frames()  # a background download may have brought more
        stuck = [r for r in rows if r.stuck and not _awaiting_go(r)]
        if stuck:  # in view without scrolling to the Problem column
            self.say("\n".join(f"{r.id} is stuck: {r.note}" for r in stuck), BAD)

    def picked(self) -> None:
        line = self.selected_row()
        job_id = line.id if line is not None else None
        if job_id == self.controller.selected:
            return
        self.controller.select(job_id)
        self._fetch_details()

    # Actions ------------------------------------------------------------------------------------

    def cancel_selected(self) -> None:
        job_id = self.controller.selected
        if job_id:
            self.act(
                lambda: self.controller.cancel(job_id),
                doing=f"Cancelling {job_id}.",
                done=f"Cancelled {job_id}: its running tasks stop, its frames so far stay.",
                failed="Not cancelled",
            )

    def delete_selected(self) -> None:
        job_id = self.controller.selected
        if job_id and self.confirm(
            f"Delete job {job_id}? Its tasks and their logs on the nodes go; frames you "
            "downloaded stay."
        ):
            self.act(
                lambda: self.controller.delete(job_id),
                doing=f"Deleting {job_id}.",
                done=f"Deleting {job_id}; it leaves the list once the service is done.",
                failed="Not deleted",
            )

    def retry_selected(self) -> None:
        job_id = self.controller.selected
        if job_id:
            self.act(
                lambda: self.controller.retry(job_id),
                doing=f"Re-running the failed tasks of {job_id}…",
                done=_retried,
                failed="Not re-run",
                colour=GOOD,
            )

    def release_selected(self) -> None:
        job_id = self.controller.selected
        if job_id:
            self.release_button.setEnabled(False)
            self.act(
                lambda: self.controller.release(job_id),
                doing=f"Releasing the rest of {job_id}…",
                done=_released,
                failed="Not released",
                colour=GOOD,
            )

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
        items = self.fill(c.rows, lambda line: line.id, _cells, c.selected)
        for line, item in zip(c.rows, items, strict=True):
            self._style(line, item)
        self.output.setText(str(c.output_root))
        selected = c.selected is not None
        for button in (
            self.cancel_button,
            self.delete_button,
            self.download_button,
            self.background_button,
        ):
            button.setEnabled(selected)
        chosen = next((r for r in c.rows if r.id == c.selected), None)
        self.retry_button.setEnabled(chosen is not None and chosen.counts.failed > 0)
        self.notify_box.blockSignals(True)
        self.notify_box.setChecked(c.notify)
        self.notify_box.blockSignals(False)
        if self.download_task is not None and self.download_task.running:
            self.download_button.setEnabled(False)
        self._show_details(c.details)
        if c.selected != self._frames_of:
            self._list_frames()

    def _style(self, line: JobLine, item: QtWidgets.QTreeWidgetItem) -> None:
        """Red where a job is stuck or its downloader failed; the progress bar in its cell."""
        item.setToolTip(2, line.progress_text)
        item.setToolTip(POOL_COLUMN, line.pool_id or "Batch makes the job's auto-pool first")
        if line.stuck:
            item.setForeground(STATE_COLUMN, QtGui.QBrush(QtGui.QColor(BAD)))
        if line.note:
            item.setToolTip(PROBLEM_COLUMN, _note_tip(line))
            if line.note_is_bad:
                item.setForeground(PROBLEM_COLUMN, QtGui.QBrush(QtGui.QColor(BAD)))
        bar = self.table.itemWidget(item, 2)
        if not isinstance(bar, QtWidgets.QProgressBar):
            bar = QtWidgets.QProgressBar()
            self.table.setItemWidget(item, 2, bar)
        bar.setValue(line.progress)
        bar.setFormat(line.progress_text)
        failed = f"QProgressBar::chunk {{ background: {BAD}; }}" if line.counts.failed else ""
        bar.setStyleSheet(failed)

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

    def _list_frames(self) -> None:
        """The chosen job's downloaded frames, listed on a worker (it walks a folder)."""
        job_id = self.controller.selected
        self._frames_of = job_id
        if job_id is None:
            self.thumbnails.show_frames(())
            return
        self.workers.start(
            lambda _report: tuple(self.controller.thumbnails(job_id)),
            on_done=lambda frames: self._frames_listed(job_id, frames),
        )

    def _frames_listed(self, job_id: str, frames: tuple[Path, ...]) -> None:
        if job_id == self.controller.selected:
            self.thumbnails.show_frames(frames)

    def _fetch_details(self) -> None:
        """The chosen job's failed tasks (again after each refresh: they change as it runs)."""
        job_id = self.controller.selected
        if job_id is not None:
            self.workers.start(
                lambda _report: self.controller.get_details(job_id),
                on_done=self.controller.apply_details,
                on_error=lambda exc: set_status(self.status, f"No details: {exc}", BAD),
            )

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"{size_text(done)} of {size_text(total)}")

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
        self._list_frames()

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


def _cells(line: JobLine) -> tuple[str, ...]:
    # The Pool column: an auto-pool's id once Batch made it, as `jobs list` shows it.
    return (line.id, line.status, "", _when(line), line.pool_id or "(not yet made)", line.note)


def _retried(done: Retried) -> str:
    where = f"as job {done.follow_up}" if done.follow_up else "in the job"
    return (
        f"Re-running {len(done.task_ids)} failed task(s) of {done.job_id} {where}; their "
        "images arrive with the job's others."
    )


def _released(done: Released) -> str:
    if done.already:
        return f"The rest of {done.job_id} was already released."
    if done.scouts_pending:
        return f"Released {done.job_id}: the rest starts once its scout frames succeed."
    return f"Released {done.job_id}: the rest of its frames render now."


def _awaiting_go(line: JobLine) -> bool:
    """Scouts rendered, the rest waits for the artist: not an alarm, a question."""
    problems = line.verdict.problems if line.verdict is not None else ()
    return bool(problems) and problems[0].code == GO_CODE


def _label(code: str, stuck: bool) -> str:
    if code == GO_CODE:
        return "Waiting for your go"
    return "Stuck" if stuck else "Note"


def _note_tip(line: JobLine) -> str:
    """The problem's remedy, or the whole of what the background downloader said."""
    verdict = line.verdict
    if line.stuck and verdict is not None:
        return "\n".join(f"{p.text}\nWhat to do: {p.remedy}" for p in verdict.problems)
    return f"{line.outcome.text} ({line.outcome.at})" if line.outcome is not None else ""


def _when(line: JobLine) -> str:
    created = line.created
    return created.astimezone().strftime("%d %b %H:%M") if created else ""
