"""The Jobs tab: the account's jobs with progress, a job's failed tasks, cancel, delete, and
bringing the frames home (now, or by a detached downloader that outlives Maya) into the output
folder, with thumbnails of what came back."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

from azure_batch_maya.app import submit as submission
from azure_batch_maya.app.jobs.background import (
    BackgroundDownload,
    is_downloading,
    start_background_download,
)
from azure_batch_maya.app.jobs.health import Verdict
from azure_batch_maya.app.jobs.notice import (
    Notice,
    notice_of,
    read_outcomes,
)
from azure_batch_maya.app.jobs.retry import Retried, retry_failed
from azure_batch_maya.app.jobs.scouts import (
    Released,
    RestEstimate,
    ScoutState,
    estimate_rest,
    fetch_scout_state,
    release,
)
from azure_batch_maya.app.jobs.status import JobRow, get_job_row, list_job_rows
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services import jobs, tasks
from azure_batch_maya.services.tasks import PreparationFailure, TaskCounts
from azure_batch_maya.settings.preferences import notifications_on, set_notifications
from azure_batch_maya.system.userdirs import data_dir
from azure_batch_maya.transfer.download import DownloadReport

THUMBNAIL_SUFFIXES = (".exr", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")
MAX_THUMBNAILS = 48


@dataclass(frozen=True)
class JobLine(JobRow):
    """A line of the tab: the row `jobs list` prints, and what the job's background downloader
    last said (the tab's own addition)."""

    outcome: Notice | None = None
    # A background downloader follows the job (running, or it recorded how it went): it tells
    # the artist itself once the frames are home, so the panel does not say it twice.
    downloaded_elsewhere: bool = False

    @classmethod
    def of(
        cls, row: JobRow, outcome: Notice | None = None, *, downloaded_elsewhere: bool = False
    ) -> JobLine:
        values = {f.name: getattr(row, f.name) for f in fields(row)}
        return cls(**values, outcome=outcome, downloaded_elsewhere=downloaded_elsewhere)

    @property
    def note(self) -> str:
        """The Problem column: why a job is stuck, else what its downloader last said."""
        if self.stuck and self.verdict is not None:
            return self.verdict.reason
        return self.outcome.title if self.outcome is not None else ""

    @property
    def note_is_bad(self) -> bool:
        return self.stuck or (self.outcome is not None and self.outcome.bad)


@dataclass(frozen=True)
class JobDetails:
    job_id: str
    failed: tuple[submission.FailedTask, ...]
    preparation: tuple[PreparationFailure, ...] = ()  # nodes that cannot run the job's tasks
    verdict: Verdict | None = None
    scouts: ScoutState | None = None  # a job submitted with scout frames
    rest: RestEstimate | None = None  # the rest at the scouts' measured pace

    @property
    def can_release(self) -> bool:
        """The rest waits for the artist's go (Render the Rest), and no scout failed."""
        s = self.scouts
        return s is not None and not s.released and not s.auto and not s.failed

    @property
    def scout_text(self) -> str:
        """The line beside the scout thumbnails: how far the scouts are, what the rest costs."""
        s = self.scouts
        if s is None:
            return ""
        text = f"Scout frames: {len(s.done)}/{len(s.scouts)} done"
        if s.failed:
            return f"{text}, {len(s.failed)} failed: the rest will not start."
        if s.warning:
            return f"{text}. WARNING: {s.warning}."
        if self.rest is not None:
            text += ". " + self.rest.text()
        if s.awaiting_go:
            text += " The rest waits for your go."
        elif s.released or s.auto:
            text += " The rest is released."
        return text


class JobsController:
    """Holds the job list and the chosen job; listing, details and downloads are slow."""

    def __init__(self, session: Session, *, output_root: Path | None = None) -> None:
        self.session = session
        self.output_root = output_root or data_dir() / "downloads"
        self.rows: tuple[JobLine, ...] = ()
        self.selected: str | None = None
        self.details: JobDetails | None = None
        self.changed: Event[JobsController] = Event()
        # A job this panel saw going ended or got stuck for good: tell the artist.
        self.ended: Event[Notice] = Event()
        self.notify = notifications_on()
        # A completed job's counts never change: ask once, not at every refresh.
        self._final: dict[str, TaskCounts] = {}
        self._followed: set[str] = set()  # jobs seen still going, whose end is news

    # Slow steps (worker thread) ---------------------------------------------------------------

    def list_jobs(self) -> tuple[JobLine, ...]:
        """Every job, newest first, as `jobs list` lists it (`app.jobs.status`)."""
        rows = list_job_rows(self.session.require_connection(), final_counts=self._final)
        outcomes = read_outcomes()
        followed = set(self._followed)
        return tuple(
            JobLine.of(
                row,
                outcomes.get(row.id),
                downloaded_elsewhere=row.id in followed
                and _finished(row)
                and (row.id in outcomes or is_downloading(row.id)),
            )
            for row in rows
        )

    def get_details(self, job_id: str) -> JobDetails:
        """The job's failed tasks and failed preparations, with the end of their stderr."""
        connection = self.session.require_connection()
        scouts = fetch_scout_state(connection, job_id)
        rest = estimate_rest(connection, scouts) if scouts and not scouts.failed else None
        return JobDetails(
            job_id,
            submission.failed_tasks(connection, job_id),
            tasks.preparation_failures(connection.batch, job_id),
            get_job_row(connection, job_id).verdict,
            scouts,
            rest,
        )

    def release(self, job_id: str) -> Released:
        """Render the Rest: the artist's go for a scouted job (`jobs release`). Slow.

        `app.jobs.scouts.ReleaseError` when the job has no scouts or one failed.
        """
        return release(self.session.require_connection(), job_id)

    def retry(self, job_id: str) -> Retried:
        """Run the job's failed tasks again on the same inputs (`jobs retry`). Slow.

        `app.jobs.retry.NothingToRetry` when none failed.
        """
        return retry_failed(self.session.require_connection(), job_id)

    def cancel(self, job_id: str) -> None:
        """Terminate: running tasks stop, waiting ones never start; outputs so far stay."""
        connection = self.session.require_connection()
        jobs.begin_terminate_job(connection.batch, job_id, reason="cancelled from the panel")

    def delete(self, job_id: str) -> None:
        """Delete the job and its tasks (and its auto-pool); downloaded frames stay."""
        connection = self.session.require_connection()
        jobs.begin_delete_job(connection.batch, job_id)
        self._final.pop(job_id, None)  # the id may be used again

    def download(
        self,
        job_id: str,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> DownloadReport:
        """The job's images and logs into its output folder (what is already here is skipped)."""
        connection = self.session.require_connection()
        return submission.download_outputs(
            connection, job_id, self.output_folder(job_id), progress=progress, cancel=cancel
        )

    def download_in_background(
        self, job_id: str, *, interval: float | None = None
    ) -> BackgroundDownload:
        """A detached downloader that goes on after Maya closes; returns once it started.

        `interval` is the seconds between its passes (None: the CLI's default).
        `AlreadyRunning` when one is already at work on this job.
        """
        connection = self.session.require_connection()
        return start_background_download(
            job_id, self.output_folder(job_id), local=connection.local, interval=interval
        )

    # Main thread ------------------------------------------------------------------------------

    def apply(self, rows: tuple[JobLine, ...]) -> None:
        for row in rows:
            self._follow(row)
        self.rows = rows
        if self.selected not in {r.id for r in rows}:
            self.selected = None
            self.details = None
        self.changed.emit(self)

    def select(self, job_id: str | None) -> None:
        self.selected = job_id
        if self.details is not None and self.details.job_id != job_id:
            self.details = None
        self.changed.emit(self)

    def apply_details(self, details: JobDetails) -> None:
        if details.job_id == self.selected:
            self.details = details
            self.changed.emit(self)

    def set_notify(self, on: bool) -> None:
        """Turn the end-of-job notifications on or off (kept with the user's settings)."""
        self.notify = on
        set_notifications(on)
        self.changed.emit(self)

    def follow(self, job_id: str) -> None:
        """Tell the artist when this job ends, even if no listing saw it going (just submitted)."""
        self._followed.add(job_id)

    def _follow(self, row: JobLine) -> None:
        """A job seen going and now ended (or stuck for good) is news: `ended` says it once."""
        verdict = row.verdict
        if verdict is None:
            return
        if not _finished(row):
            self._followed.add(row.id)
        elif row.id in self._followed:
            self._followed.discard(row.id)
            notice = notice_of(verdict)
            if notice is not None and self.notify and not row.downloaded_elsewhere:
                self.ended.emit(notice)

    def set_output_root(self, folder: Path) -> None:
        self.output_root = folder
        self.changed.emit(self)

    def output_folder(self, job_id: str) -> Path:
        return self.output_root / job_id

    def thumbnails(self, job_id: str) -> list[Path]:
        """The downloaded frames of a job, in name order (the first few dozen). Walks a folder:
        a worker's job."""
        images = self.output_folder(job_id) / "images"
        if not images.is_dir():
            return []
        found = sorted(
            p for p in images.rglob("*") if p.suffix.lower() in THUMBNAIL_SUFFIXES and p.is_file()
        )
        return found[:MAX_THUMBNAILS]


def _finished(row: JobRow) -> bool:
    """Over, or stuck for good: the moment a followed job's end is news."""
    return row.verdict is not None and row.verdict.final
