"""The task host: a small process that runs one task's command and records how it ended.

The server starts one host per task attempt. The host, not the server, is the command's
parent, so the command keeps running and its exit code is still written to `result.json`
if the server is killed; a restarted server adopts the host or reads its result. The host
holds a lock on `lock` while it lives, which is how the server tells a live host from a dead
one without trusting process ids. Writing a `stop` file asks the host to end the command.

Run as `python -I -S path/to/host.py HOST_DIR` with `HOST_DIR/spec.json` in place: it uses the
standard library only, so it starts in a few tens of milliseconds without site-packages.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

_POLL_SECONDS = 0.05
# Exit code of a second host started on a folder whose host is alive.
ALREADY_RUNNING = 3


def now_ticks() -> int:
    """100 ns ticks since the Unix epoch (as in `formats`, kept here to stay stdlib-only)."""
    return time.time_ns() // 100


@dataclass(frozen=True)
class HostSpec:
    """What to run: argv (POSIX) or a command string (Windows), where, and for how long."""

    command: list[str] | str
    cwd: str
    env: dict[str, str]
    stdout: str
    stderr: str
    timeout_seconds: float | None


@dataclass(frozen=True)
class HostResult:
    """How the command ended; `error` names a start failure the service would report."""

    exit_code: int | None
    start_ticks: int
    end_ticks: int
    timed_out: bool = False
    stopped: bool = False
    error: str | None = None
    message: str | None = None


def write_spec(host_dir: Path, spec: HostSpec) -> None:
    host_dir.mkdir(parents=True, exist_ok=True)
    (host_dir / "spec.json").write_text(json.dumps(asdict(spec)), encoding="utf-8")


def read_result(host_dir: Path) -> HostResult | None:
    """The host's result, or None while the command has not ended."""
    try:
        data: dict[str, Any] = json.loads((host_dir / "result.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return HostResult(**data)


def request_stop(host_dir: Path) -> None:
    """Ask the host to end its command (terminate, job end, shutdown)."""
    if host_dir.is_dir():
        (host_dir / "stop").touch()


def host_started(host_dir: Path) -> bool:
    """True once a host has taken the folder (it may have died since)."""
    return (host_dir / "started").exists()


def host_alive(host_dir: Path) -> bool:
    """True while a host holds the lock of `host_dir`."""
    lock_path = host_dir / "lock"
    if not lock_path.exists():
        return False
    with lock_path.open("a+b") as handle:
        if not _try_lock(handle):
            return True
        _unlock(handle)
        return False


def new_group_flags() -> dict[str, Any]:
    """Popen options that give a child its own process group (POSIX session)."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _try_lock(handle: IO[bytes]) -> bool:
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


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    if sys.platform == "win32":
        subprocess.run(
            ["taskkill", "/PID", str(process.pid), "/T", "/F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _write_result(host_dir: Path, result: HostResult) -> None:
    temporary = host_dir / "result.json.tmp"
    temporary.write_text(json.dumps(asdict(result)), encoding="utf-8")
    temporary.replace(host_dir / "result.json")


def run(host_dir: Path) -> HostResult:
    """Run the spec in `host_dir` to the end and record the result."""
    spec = HostSpec(**json.loads((host_dir / "spec.json").read_text(encoding="utf-8")))
    start = now_ticks()
    flags = new_group_flags()
    with Path(spec.stdout).open("wb") as out, Path(spec.stderr).open("wb") as err:
        try:
            process = subprocess.Popen(
                spec.command,
                cwd=spec.cwd,
                env=spec.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                **flags,
            )
        except OSError as error:
            err.write(f"{error}\n".encode())
            result = HostResult(
                None,
                start,
                now_ticks(),
                error="CommandProgramNotFound",
                message=f"The specified command program is not found: {error.strerror}",
            )
            _write_result(host_dir, result)
            return result
        deadline = None if spec.timeout_seconds is None else time.monotonic() + spec.timeout_seconds
        timed_out = stopped = False
        while True:
            try:
                process.wait(timeout=_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            if (host_dir / "stop").exists():
                stopped = True
            elif deadline is not None and time.monotonic() >= deadline:
                timed_out = True
            if stopped or timed_out:
                _kill_tree(process)
                break
    result = HostResult(process.returncode, start, now_ticks(), timed_out, stopped)
    _write_result(host_dir, result)
    return result


def main(argv: list[str]) -> int:
    host_dir = Path(argv[0])
    with (host_dir / "lock").open("a+b") as handle:
        if not _try_lock(handle) or host_started(host_dir):
            return ALREADY_RUNNING
        (host_dir / "started").touch()
        run(host_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
