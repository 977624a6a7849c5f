"""Downloads that go on after Maya (or the terminal) closes: a detached process, one per job.

The CLI's `download --background` and the panel's Jobs tab both start
`python -m azure_batch_maya download JOB --to DIR --watch` this way. The job's lock (an OS file
lock under the user data folder, see `transfer.joblock`) is what makes it one per job, and it
is also how we know the child has started: it writes its pid into the lock file once it holds it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import azure_batch_maya
from azure_batch_maya.system.processes import detached_flags
from azure_batch_maya.system.userdirs import HOME_ENV, home_dir
from azure_batch_maya.transfer.joblock import AlreadyRunning, JobLock

log = logging.getLogger(__name__)

DOWNLOADS_FOLDER = "downloads"
START_TIMEOUT = 15.0
TAKE_PATIENCE = 2.0  # how long a starting downloader outwaits a probe holding its job's lock
LOG_TAIL = 1500


class BackgroundStartError(RuntimeError):
    """The detached process died before it took the job's lock; the message quotes its log."""


@dataclass(frozen=True)
class BackgroundDownload:
    job_id: str
    pid: int
    log_path: Path
    lock_path: Path


def downloads_dir(home: Path | None = None) -> Path:
    """Where the per-job locks and logs of background downloads live."""
    return (home or home_dir()) / DOWNLOADS_FOLDER


def download_lock(job_id: str, home: Path | None = None, *, patience: float = 0.0) -> JobLock:
    """The lock a job's downloader holds while it runs (enter it to become that downloader).

    The downloader itself passes `patience=TAKE_PATIENCE`: entering the lock is also how others
    ask whether it runs, and such a probe must not turn the real downloader away.
    """
    return JobLock(downloads_dir(home), job_id, patience=patience)


def is_downloading(job_id: str, home: Path | None = None) -> bool:
    """Whether a background downloader follows this job now (it holds the job's lock).

    Asked by taking the lock for an instant, as `download_lock` says a probe may; only for a
    job whose end is news, so a lock file is not left behind for every job listed.
    """
    try:
        with download_lock(job_id, home):
            return False
    except AlreadyRunning:
        return True


def python_executable(executable: str = sys.executable) -> str:
    """A Python to run us with: inside Maya `sys.executable` is Maya itself, so use its mayapy."""
    path = Path(executable)
    if path.stem.lower() == "maya":
        return str(path.with_name("mayapy" + path.suffix))
    return executable


def download_command(
    job_id: str, folder: Path, *, local: bool, interval: float | None = None
) -> list[str]:
    """The command line of a watching downloader for `job_id`."""
    command = [python_executable(), "-m", "azure_batch_maya", "download", job_id]
    command += ["--to", str(folder.resolve()), "--watch"]
    if interval is not None:
        command += ["--interval", str(interval)]
    if local:
        command.append("--local")
    return command


def child_environment(
    environ: Mapping[str, str] | None = None, path: Sequence[str] | None = None
) -> dict[str, str]:
    """Our environment, with PYTHONPATH naming where this package (and whatever Maya or the
    plug-in added to `sys.path`) lives, so `-m azure_batch_maya` finds the same code as we did.

    Folders of the interpreter itself are left out: the child is that interpreter.
    """
    environ = os.environ if environ is None else environ
    path = sys.path if path is None else path
    prefixes = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix)}
    folders = [str(Path(azure_batch_maya.__file__).resolve().parent.parent)]
    for entry in path:
        if not entry or not Path(entry).is_dir():
            continue
        resolved = Path(entry).resolve()
        if any(resolved.is_relative_to(prefix) for prefix in prefixes):
            continue
        if str(resolved) not in folders:
            folders.append(str(resolved))
    if environ.get("PYTHONPATH"):
        folders.append(environ["PYTHONPATH"])
    return {**environ, "PYTHONPATH": os.pathsep.join(folders)}


def start_detached(
    command: Sequence[str], log_path: Path, *, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` so that it outlives us: own session or process group, no console.

    stdin reads nothing; stdout and stderr append to `log_path`. Closing our end of the log
    here is fine: the child has its own handle.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        out.write(f"--- {started} {subprocess.list2cmdline(command)}\n".encode())
        out.flush()
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            close_fds=True,
            env=env,
            **detached_flags(),
        )


def start_background_download(
    job_id: str,
    folder: Path,
    *,
    local: bool,
    home: Path | None = None,
    interval: float | None = None,
    timeout: float = START_TIMEOUT,
) -> BackgroundDownload:
    """Start a detached downloader for `job_id` unless one is already running.

    Raises `AlreadyRunning` when another process holds the job's lock, and
    `BackgroundStartError` when the new process dies before taking it. Returns once the child
    holds the lock (or after `timeout`, leaving it to start in its own time).
    """
    lock = download_lock(job_id, home)
    with lock:  # raises AlreadyRunning; released before the child tries
        pass
    log_path = lock.path.with_suffix(".log")
    command = download_command(job_id, folder, local=local, interval=interval)
    env = child_environment()
    if home is not None:  # the child takes its lock (and finds the local pool) there too
        env[HOME_ENV] = str(home)
    process = start_detached(command, log_path, env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _holds_lock(lock.path, process.pid):
            break
        if process.poll() is not None:
            with lock:  # a downloader started meanwhile (a second `--background` raced us)?
                pass  # raises AlreadyRunning, as if we had seen it first
            raise BackgroundStartError(
                f"the background download of job {job_id} stopped at once (exit code "
                f"{process.returncode}); its log {log_path} ends with:\n{_tail(log_path)}"
            )
        time.sleep(0.05)
    else:
        log.warning("background download %s (pid %d) is slow to start", job_id, process.pid)
    log.info("background download of %s: pid %d, log %s", job_id, process.pid, log_path)
    return BackgroundDownload(job_id, process.pid, log_path, lock.path)


def _holds_lock(path: Path, pid: int) -> bool:
    """Whether `pid` has written itself into the lock file (Windows: the file is locked)."""
    try:
        return path.read_text(encoding="utf-8").strip() == str(pid)
    except PermissionError:  # Windows locks are mandatory: unreadable means held
        return sys.platform == "win32"
    except OSError:
        return False


def _tail(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[-LOG_TAIL:].strip()
    except OSError:
        return "(no log)"


__all__ = [
    "AlreadyRunning",
    "BackgroundDownload",
    "BackgroundStartError",
    "child_environment",
    "download_command",
    "download_lock",
    "downloads_dir",
    "is_downloading",
    "python_executable",
    "start_background_download",
    "start_detached",
]
