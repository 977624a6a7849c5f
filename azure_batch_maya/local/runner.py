"""Running one step of a task (the job preparation task or the task itself) through a host.

A step is idempotent: it reads the host's result if there is one, waits for a live host, and
starts a host only when none has started, so a restarted server never runs a command twice.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from azure_batch_maya.local import host
from azure_batch_maya.local.host import (
    ALREADY_RUNNING,
    HostResult,
    HostSpec,
    host_alive,
    host_started,
    new_group_flags,
    read_result,
    write_spec,
)

_POLL_SECONDS = 0.1


class HostLost(Exception):
    """The host started but died without a result (say, the machine restarted): requeue."""


def command_for(command_line: str) -> list[str] | str:
    """Batch runs the command line directly, no shell: argv on POSIX, the string on Windows."""
    if os.name == "nt":
        return command_line
    return shlex.split(command_line)


def environment(
    batch_variables: Mapping[str, str], *settings: list[dict[str, Any]] | None
) -> dict[str, str]:
    """This machine's environment, then the AZ_BATCH_* variables, then each settings list."""
    env = dict(os.environ)
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
