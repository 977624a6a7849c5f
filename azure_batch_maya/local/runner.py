"""Running one step of a task (the job preparation task or the task itself) through a host.

A step is idempotent: it reads the host's result if there is one, waits for a live host, and
starts a host only when none has started, so a restarted server never runs a command twice.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from azure_batch_maya.local import failures, host
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.formats import UNLIMITED_DURATION, UNLIMITED_SECONDS, parse_duration
from azure_batch_maya.local.host import ALREADY_RUNNING
from azure_batch_maya.local.layout import NodeLayout
from azure_batch_maya.system import atomic
from azure_batch_maya.system.processes import new_group_flags, try_lock, unlock

Doc = dict[str, Any]

_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class HostSpec:
    """What a host runs: argv (POSIX) or a command string (Windows), where, for how long."""

    command: list[str] | str
    cwd: str
    env: dict[str, str]
    stdout: str
    stderr: str
    timeout_seconds: float | None
    # Run after the command is killed (a container's engine client does not end its container).
    cleanup: list[str] | None = None


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
    """Write the spec readable by this user only (its environment holds the task's SAS URLs),
    whole or not at all: a server killed mid-write must not leave a truncated spec that a
    restarted server takes as complete (its host would die and the task be requeued)."""
    atomic.write_json(host_dir / "spec.json", asdict(spec), private=True, durable=False)


def read_result(host_dir: Path) -> HostResult | None:
    """The host's result, or None while the command has not ended."""
    try:
        data: dict[str, Any] = json.loads((host_dir / "result.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return HostResult(**data)


def request_stop(host_dir: Path) -> None:
    """Ask the host to end its command (terminate, job end, shutdown).

    Also before its host exists: a task asked to stop while it starts must not run to its end.
    """
    host_dir.mkdir(parents=True, exist_ok=True)
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
        if not try_lock(handle):
            return True
        unlock(handle)
        return False


class HostLost(Exception):
    """The host started but died without a result (say, the machine restarted): requeue."""


def command_for(command_line: str) -> list[str] | str:
    """Batch runs the command line directly, no shell: argv on POSIX, the string on Windows."""
    if os.name == "nt":
        return command_line
    return shlex.split(command_line)


# What a process needs to run at all, taken from this machine; nothing else of the shell that
# started the local pool (its keys above all) reaches a task, as on a Batch node.
PROCESS_VARIABLES_POSIX = ("PATH", "HOME", "LANG", "TMPDIR")
PROCESS_VARIABLES_WINDOWS = (
    "PATH", "PATHEXT", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "COMSPEC", "TEMP", "TMP",
    "USERPROFILE", "APPDATA", "LOCALAPPDATA", "PROGRAMDATA", "PROGRAMFILES", "NUMBER_OF_PROCESSORS",
)  # fmt: skip


def environment(
    batch_variables: Mapping[str, str],
    *settings: list[dict[str, Any]] | None,
    machine: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A task's environment as a Batch node gives it: the few variables a process needs from
    this machine (`PROCESS_VARIABLES_*`), then the AZ_BATCH_* variables, then each settings
    list (the job's common settings, the task's own)."""
    machine = os.environ if machine is None else machine
    names = PROCESS_VARIABLES_WINDOWS if os.name == "nt" else PROCESS_VARIABLES_POSIX
    env = {name: machine[name] for name in names if name in machine}
    env.update(batch_variables)
    for group in settings:
        for pair in group or []:
            env[str(pair["name"])] = str(pair.get("value") or "")
    return env


def run_step(host_dir: Path, make_spec: Callable[[], HostSpec]) -> HostResult:
    """The result of the step in `host_dir`, starting its host only if none ever started."""
    result = read_result(host_dir)
    if result is not None:
        return result
    if host_alive(host_dir):
        return wait_result(host_dir)
    if host_started(host_dir):
        raise HostLost(f"host in {host_dir} died without a result")
    if not (host_dir / "spec.json").exists():
        write_spec(host_dir, make_spec())
    process = start_host(host_dir)
    code = process.wait()
    if code == ALREADY_RUNNING:
        return wait_result(host_dir)
    result = read_result(host_dir)
    if result is None:
        raise HostLost(f"host in {host_dir} exited {code} without a result")
    return result


def start_host(host_dir: Path) -> subprocess.Popen[bytes]:
    """Start the host detached from the server's terminal, so Ctrl-C there does not reach it."""
    flags = new_group_flags()
    with (host_dir / "host.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", host.__file__, str(host_dir)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            **flags,
        )


def wait_result(host_dir: Path) -> HostResult:
    """Poll for the result of a host this server did not start (adopted after a restart)."""
    while True:
        result = read_result(host_dir)
        if result is not None:
            return result
        if not host_alive(host_dir):
            result = read_result(host_dir)
            if result is None:
                raise HostLost(f"host in {host_dir} died without a result")
            return result
        time.sleep(_POLL_SECONDS)


@dataclass
class Attempt:
    """One task (or preparation/release) running on one node; `stop_reason` once asked to stop."""

    job_id: str
    task_id: str
    pool_id: str
    node_id: str
    slots: int
    stop_reason: str | None = None
    host_dirs: list[Path] = field(default_factory=list)


def node_variables(
    config: PoolConfig, pool_id: str, node_id: str, layout: NodeLayout
) -> dict[str, str]:
    """The AZ_BATCH_* variables every step on a node gets, its start task included."""
    return {
        "AZ_BATCH_ACCOUNT_NAME": config.account_name,
        "AZ_BATCH_ACCOUNT_URL": config.base_url,
        "AZ_BATCH_POOL_ID": pool_id,
        "AZ_BATCH_NODE_ID": node_id,
        "AZ_BATCH_NODE_IS_DEDICATED": "false" if node_id.endswith("_p") else "true",
        "AZ_BATCH_NODE_ROOT_DIR": str(layout.root),
        "AZ_BATCH_NODE_SHARED_DIR": str(layout.shared),
        "AZ_BATCH_NODE_STARTUP_DIR": str(layout.startup),
        "AZ_BATCH_NODE_STARTUP_WORKING_DIR": str(layout.startup / "wd"),
    }


def identity_name(user_identity: Doc | None) -> str:
    """AZ_BATCH_TASK_USER_IDENTITY of an auto-user: `PoolNonAdmin`, `TaskAdmin`, etc.

    The local pool runs every command as the user who started it and refuses named users
    (`unsupported`); this name is all of the identity it can honour (docs/local-pool.md).
    """
    auto = (user_identity or {}).get("autoUser") or {}
    scope = "Task" if str(auto.get("scope", "pool")).lower() == "task" else "Pool"
    admin = str(auto.get("elevationLevel", "nonadmin")).lower() == "admin"
    return f"{scope}{'Admin' if admin else 'NonAdmin'}"


def batch_variables(
    config: PoolConfig, job: Doc, layout: NodeLayout, attempt: Attempt, task_id: str, task_dir: Path
) -> dict[str, str]:
    """The AZ_BATCH_* variables of a step on a node, as a Batch node agent sets them."""
    node = node_variables(config, attempt.pool_id, attempt.node_id, layout)
    node.update(
        {
            "AZ_BATCH_JOB_ID": attempt.job_id,
            "AZ_BATCH_TASK_ID": task_id,
            "AZ_BATCH_TASK_DIR": str(task_dir),
            "AZ_BATCH_TASK_WORKING_DIR": str(task_dir / "wd"),
        }
    )
    if "jobPreparationTask" in job:
        node["AZ_BATCH_JOB_PREP_DIR"] = str(layout.prep_dir(attempt.job_id))
        node["AZ_BATCH_JOB_PREP_WORKING_DIR"] = str(layout.prep_dir(attempt.job_id) / "wd")
    return node


def host_spec(task: Doc, working: Path, task_dir: Path, env: dict[str, str]) -> HostSpec:
    """The host spec of a step: its command, folders, environment and wall-clock limit."""
    limit = parse_duration(
        (task.get("constraints") or {}).get("maxWallClockTime", UNLIMITED_DURATION)
    )
    env = {**env, "AZ_BATCH_TASK_USER_IDENTITY": identity_name(task.get("userIdentity"))}
    return HostSpec(
        command=command_for(str(task["commandLine"])),
        cwd=str(working),
        env=env,
        stdout=str(task_dir / "stdout.txt"),
        stderr=str(task_dir / "stderr.txt"),
        timeout_seconds=None if limit >= UNLIMITED_SECONDS else limit,
    )


def successful(result: HostResult) -> bool:
    """Batch's success: the command started, ended in time and exited 0."""
    return result.error is None and not result.timed_out and result.exit_code == 0


def failure_of(result: HostResult) -> Doc:
    """The `failureInfo` of a step that did not succeed."""
    if result.error is not None:
        return failures.failure_info(result.error, result.message or result.error)
    if result.timed_out:
        return failures.WALL_CLOCK
    return failures.EXIT_CODE
