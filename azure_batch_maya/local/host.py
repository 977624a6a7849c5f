"""The task host: a small process that runs one task's command and records how it ended.

The server starts one host per task attempt. The host, not the server, is the command's
parent, so the command keeps running and its exit code is still written to `result.json`
if the server is killed; a restarted server adopts the host or reads its result. The host
holds a lock on `lock` while it lives, which is how the server tells a live host from a dead
one without trusting process ids. Writing a `stop` file asks the host to end the command.

Run as `python -I -S path/to/host.py HOST_DIR` with `HOST_DIR/spec.json` in place. It imports
only what the interpreter has loaded anyway plus json and subprocess, because it starts once
per task: every millisecond here is dispatch overhead.
"""

# ruff: noqa: PTH100, PTH105, PTH110, PTH118, PTH120, PTH123, SIM105
# (os.path and try/except rather than pathlib and contextlib: imports this process avoids.)
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

# Run as a file, so the package is put on the path by hand: its lock and process-group
# helpers are the app's (system/processes.py), which imports nothing a bare interpreter lacks.
if __name__ == "__main__":  # pragma: no branch
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from azure_batch_maya.system.processes import new_group_flags, try_lock

_POLL_SECONDS = 0.05
# Exit code of a second host started on a folder whose host is alive or has run.
ALREADY_RUNNING = 3


def now_ticks() -> int:
    """100 ns ticks since the Unix epoch (as in `formats`, repeated to keep imports light)."""
    return time.time_ns() // 100


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
        import signal

        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def _write_result(host_dir: str, result: dict[str, object]) -> None:
    temporary = os.path.join(host_dir, "result.json.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(temporary, os.path.join(host_dir, "result.json"))


def _result(exit_code: int | None, start: int, **extra: object) -> dict[str, object]:
    result: dict[str, object] = {
        "exit_code": exit_code,
        "start_ticks": start,
        "end_ticks": now_ticks(),
        "timed_out": False,
        "stopped": False,
        "error": None,
        "message": None,
    }
    result.update(extra)
    return result


def run(host_dir: str) -> dict[str, object]:
    """Run the spec in `host_dir` to the end and record the result."""
    with open(os.path.join(host_dir, "spec.json"), encoding="utf-8") as handle:
        spec = json.load(handle)
    start = now_ticks()
    stop_file = os.path.join(host_dir, "stop")
    with open(spec["stdout"], "wb") as out, open(spec["stderr"], "wb") as err:
        try:
            process = subprocess.Popen(
                spec["command"],
                cwd=spec["cwd"],
                env=spec["env"],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                **new_group_flags(),
            )
        except OSError as error:
            err.write(f"{error}\n".encode())
            result = _result(
                None,
                start,
                error="CommandProgramNotFound",
                message=f"The specified command program is not found: {error.strerror}",
            )
            _write_result(host_dir, result)
            return result
        limit = spec["timeout_seconds"]
        deadline = None if limit is None else time.monotonic() + limit
        timed_out = stopped = False
        while True:
            try:
                process.wait(timeout=_POLL_SECONDS)
                break
            except subprocess.TimeoutExpired:
                pass
            stopped = os.path.exists(stop_file)
            timed_out = not stopped and deadline is not None and time.monotonic() >= deadline
            if stopped or timed_out:
                _kill_tree(process)
                if spec.get("cleanup"):
                    subprocess.run(spec["cleanup"], capture_output=True, check=False)
                break
    result = _result(process.returncode, start, timed_out=timed_out, stopped=stopped)
    _write_result(host_dir, result)
    return result


def main(argv: list[str]) -> int:
    host_dir = argv[0]
    with open(os.path.join(host_dir, "lock"), "a+b") as handle:
        started = os.path.join(host_dir, "started")
        if not try_lock(handle) or os.path.exists(started):
            return ALREADY_RUNNING
        open(started, "wb").close()
        run(host_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
