"""Watch a job's outputs until it is over, riding out network blips.

A background downloader follows a render for hours; one dropped connection (after azure-core's
own retries) must not end it. Passes that fail for a reason that passes (no connection, the
service asking us to slow down) are tried again after a pause; anything else ends the watch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import Verdict, check_job
from azure_batch_maya.app.jobs.retry import latest_follow_up
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
from azure_batch_maya.services.errors import (
    ConnectionFailedError,
    NotFoundError,
    ServiceError,
    ThrottledError,
)
from azure_batch_maya.transfer.download import DownloadReport, watch_container

log = logging.getLogger(__name__)

TRANSIENT = (ConnectionFailedError, ThrottledError)
MAX_FAILURES = 20  # in a row; at the default 15 s interval, about five minutes


@dataclass(frozen=True)
class Watched:
    """How a watch ended: files downloaded, and the job's last verdict (None: not asked)."""

    downloaded: int
    verdict: Verdict | None

    @property
    def stuck(self) -> bool:
        return self.verdict is not None and self.verdict.definitive


def watch_job(
    conn: Connection,
    job_id: str,
    folder: Path,
    *,
    interval: float,
    on_pass: Callable[[DownloadReport], None] | None = None,
    on_retry: Callable[[ServiceError], None] | None = None,
    finished: Callable[[], bool] | None = None,
    max_failures: int = MAX_FAILURES,
    sleep: Callable[[float], None] = time.sleep,
    cancel: threading.Event | None = None,
) -> Watched:
    """Download the job's images and logs into `folder` as they appear.

    `finished` (by default: the job is over, or stuck in a way only a person can change, see
    `app.jobs.health`) is asked before each pass. Raises the last error after `max_failures`
    transient failures in a row.
    """
    last: list[Verdict] = []

    def ended() -> bool:
        try:
            verdict = check_job(conn, job_id)
            newest = latest_follow_up(conn, job_id) if verdict.over else None
            if newest is not None:  # `jobs retry` re-runs its failed tasks there
                verdict = check_job(conn, newest)
        except NotFoundError:  # deleted meanwhile: what is stored is all there will be
            return True
        last[:] = [verdict]
        return verdict.final

    over = finished or ended
    downloaded = 0
    failures = 0

    def counted(report: DownloadReport) -> None:
        nonlocal downloaded, failures
        downloaded += len(report.downloaded)
        failures = 0
        if on_pass is not None:
            on_pass(report)

    while True:
        try:
            watch_container(
                conn.blobs,
                OUTPUTS_CONTAINER,
                folder,
                finished=over,
                prefix=f"{job_id}/",
                interval=interval,
                sleep=sleep,
                cancel=cancel,
                on_pass=counted,
            )
            return Watched(downloaded, last[0] if last else None)
        except TRANSIENT as exc:
            failures += 1
            if failures >= max_failures:
                raise
            log.warning("watching %s: %s; trying again in %.0f s", job_id, exc, interval)
            if on_retry is not None:
                on_retry(exc)
            sleep(interval)
