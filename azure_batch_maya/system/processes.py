"""Processes on Windows, macOS and Linux: detached starts, lock files, is-it-alive, stop.

Used by the app (the background downloader, `local up|down`) and by the local pool's task
host, which starts once per task: so this module imports only what a bare interpreter has
loaded anyway (no pathlib), and each platform's extra module only inside its branch.
"""

# ruff: noqa: PTH110, PTH123
# (os.path and open(): the task host imports this module, and avoids pathlib's import time.)
from __future__ import annotations

import io
import os
import subprocess
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def new_group_flags() -> dict[str, Any]:
    """Popen options that give a child its own process group (POSIX session)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def detached_flags() -> dict[str, Any]:
    """Popen options for a child that outlives its parent: its own session on POSIX, detached
    from the console in a new process group on Windows (where no window is made for it)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def try_lock(handle: io.BufferedRandom) -> bool:
    """Take the exclusive lock of an open lock file without waiting."""
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def unlock(handle: io.BufferedRandom) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def pid_alive(pid: int) -> bool:
    """True while a process with this id runs (an exited child not yet reaped does not)."""
    if sys.platform == "win32":
        result = subprocess.run(
            ["tasklist", "/FI", f"PID eq {pid}", "/NH"], capture_output=True, text=True, check=False
        )
        return str(pid) in result.stdout
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = f"/proc/{pid}/stat"
    if os.path.exists(stat):
        with open(stat, encoding="utf-8", errors="replace") as handle:
            # The state letter follows the parenthesised command name; Z is a zombie.
            return handle.read().rsplit(")", 1)[-1].split()[:1] != ["Z"]
    result = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return not result.stdout.strip().startswith("Z")


def runs(pid: int, marker: str) -> bool:
    """True if process `pid` is alive and its command line contains `marker`.

    Guards against killing an unrelated process that reused a recorded pid. Windows has no
    cheap way to read another process's command line, so there a live pid is taken as it.
    """
    if not pid_alive(pid):
        return False
    if sys.platform == "win32":
        return True
    cmdline = f"/proc/{pid}/cmdline"
    if os.path.exists(cmdline):
        with open(cmdline, "rb") as handle:
            return marker in handle.read().replace(b"\0", b" ").decode(errors="replace")
    result = subprocess.run(
        ["ps", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, check=False
    )
    return marker in result.stdout


def stop_pid(pid: int, timeout: float, process: subprocess.Popen[bytes] | None) -> None:
    """Terminate a process (SIGTERM or taskkill), then kill it if it outstays `timeout`."""
    if not pid_alive(pid):
        return
    if sys.platform == "win32":
        subprocess.run(["taskkill", "/PID", str(pid), "/T", "/F"], capture_output=True, check=False)
        return
    import signal

    os.kill(pid, signal.SIGTERM if timeout > 0 else signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return
        if process is None and not pid_alive(pid):
            return
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    if process is not None:
        process.wait()
