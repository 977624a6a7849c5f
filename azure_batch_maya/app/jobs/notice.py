"""Telling the artist a followed job ended: done, failed (how many frames) or stuck (why).

The words come from one pure function (`notice_of`) over the job's verdict, so the panel's
notification-area message, the background downloader's desktop notification and Maya's
in-view message say the same thing. The background downloader also records its last notice
beside its log, where the Jobs tab shows it the next time the panel opens. Notifications can
be turned off; the choice is kept with the user's other settings (the data folder).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from azure_batch_maya.app.jobs.health import Verdict
from azure_batch_maya.settings.preferences import notifications_on
from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import home_dir

log = logging.getLogger(__name__)

OUTCOMES_FOLDER = "downloads"  # beside the background downloads' locks and logs
APP_NAME = "Azure Batch for Maya"

Notify = Callable[[str, str], None]  # (title, text)


@dataclass(frozen=True)
class Notice:
    """What a job's end means for the person waiting on it."""

    job_id: str
    status: str  # completed, failed, stuck or ended
    title: str
    text: str
    folder: str = ""  # where its frames were downloaded, if they were
    at: str = ""  # when it was noticed (ISO 8601, UTC)

    @property
    def bad(self) -> bool:
        return self.status in ("failed", "stuck")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Notice:
        return cls(**{k: str(data.get(k, "")) for k in cls.__dataclass_fields__})


def notice_of(
    verdict: Verdict, *, folder: Path | None = None, now: datetime | None = None
) -> Notice | None:
    """The notice for a job that ended or is stuck for good; None while it can still go on."""
    if not verdict.final:
        return None
    c = verdict.counts
    job = verdict.job_id
    where = f" Frames in {folder}." if folder is not None else ""
    if verdict.definitive:
        problem = next(p for p in verdict.problems if p.definitive)
        scouts = problem.code == "WaitingForRelease"  # news, not trouble
        title = f"Scout frames ready: {job}" if scouts else f"Render stuck: {job}"
        text = f"{problem.text}. What to do: {problem.remedy}"
    elif verdict.status == "failed":
        title = f"Render failed: {job}"
        text = (
            f"{c.failed} of {c.total} frame task{'s' if c.total != 1 else ''} failed; "
            f"`azure-batch-maya jobs retry {job}` re-runs them.{where}"
        )
    elif verdict.status == "completed":
        title = f"Render done: {job}"
        text = f"All {c.total} frame task{'s' if c.total != 1 else ''} rendered.{where}"
    else:
        title = f"Render stopped: {job}"
        text = f"{c.completed} of {c.total} frame tasks ran before the job was stopped.{where}"
    stamp = (now or datetime.now(timezone.utc)).isoformat(timespec="seconds")
    return Notice(
        job,
        verdict.status if not verdict.definitive else "stuck",
        title,
        text,
        str(folder) if folder is not None else "",
        stamp,
    )


# The background downloader's record -------------------------------------------------------------


def outcome_path(job_id: str, home: Path | None = None) -> Path:
    return (home or home_dir()) / OUTCOMES_FOLDER / f"{job_id}.outcome.json"


def record_outcome(notice: Notice, home: Path | None = None) -> Path:
    """Keep the notice where the Jobs tab reads it (written whole, never half)."""
    path = outcome_path(notice.job_id, home)
    return atomic.write_json(path, notice.to_json())


def read_outcomes(home: Path | None = None) -> dict[str, Notice]:
    """Every recorded outcome by job id (unreadable records are skipped)."""
    folder = (home or home_dir()) / OUTCOMES_FOLDER
    found: dict[str, Notice] = {}
    for path in sorted(folder.glob("*.outcome.json")) if folder.is_dir() else ():
        try:
            notice = Notice.from_json(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("outcome %s unreadable: %s", path, exc)
            continue
        found[notice.job_id] = notice
    return found


# The platform's notifier ------------------------------------------------------------------------


def desktop_notify(title: str, text: str) -> None:
    """The OS's own notification (D-Bus on Linux, Notification Center, Windows toasts) through
    desktop-notifier. Where there is no notification service (a headless box, SSH) one line
    says so in the log: the library's own traceback is kept out of the person's terminal.

    A Linux box with no session bus (SSH, a render farm's console) has no desktop to notify:
    that is said at INFO, not as a warning, since the watcher prints the outcome anyway."""
    if not has_desktop_session():
        log.info("no desktop session to notify (no D-Bus session bus): %s — %s", title, text)
        return
    library = logging.getLogger("desktop_notifier")
    failures = _Failures()
    library.addHandler(failures)
    propagate, library.propagate = library.propagate, False
    try:
        from desktop_notifier import DesktopNotifierSync

        DesktopNotifierSync(app_name=APP_NAME).send(title=title, message=text)
    except Exception as exc:  # a notification is a nicety: never let it end the download
        failures.seen.append(f"{type(exc).__name__}: {exc}")
    finally:
        library.removeHandler(failures)
        library.propagate = propagate
    if failures.seen:
        log.warning("no desktop notification (%s): %s — %s", failures.seen[0], title, text)


def has_desktop_session(environ: Mapping[str, str] | None = None) -> bool:
    """Whether notifications can reach a person: always on Windows and macOS; on Linux and
    the BSDs only with a D-Bus session bus, which desktop-notifier needs (it fails without)."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool((os.environ if environ is None else environ).get("DBUS_SESSION_BUS_ADDRESS"))


class _Failures(logging.Handler):
    """Collects what desktop-notifier logs when it cannot notify (it never raises)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.seen.append(f"{type(error).__name__}: {error}" if error else record.getMessage())


def tell(
    notice: Notice | None, *, notify: Notify | None = None, enabled: bool | None = None
) -> bool:
    """Notify about `notice` (by default on the desktop) unless notifications are off; whether
    it was sent."""
    if notice is None:
        return False
    if not (notifications_on() if enabled is None else enabled):
        return False
    (notify or desktop_notify)(notice.title, notice.text)
    return True
