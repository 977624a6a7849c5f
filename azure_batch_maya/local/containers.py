"""Container pools: a Docker-compatible engine on this machine runs their tasks.

A pool with `virtualMachineConfiguration.containerConfiguration` gets nodes only where an
engine (docker or podman, or the one `AZURE_BATCH_MAYA_CONTAINER_ENGINE` names) really starts
containers: the engine is asked to run a command that does not exist in an empty image built
here, and must answer 127 ("command not found" inside a started container). Otherwise the
nodes settle `unusable` with an error naming what is missing; a container task never runs
on this machine as if it were in a container.

A task's command runs as `ENGINE run --rm IMAGE COMMAND…` with the node's root folder
mounted at the same path, the task's working directory (unless `containerImageDefault`), its
`AZ_BATCH_*` and environment settings, and `containerRunOptions` as extra arguments.
"""

from __future__ import annotations

import io
import logging
import os
import shlex
import shutil
import subprocess
import tarfile
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from azure_batch_maya.local.runner import HostSpec

log = logging.getLogger(__name__)

Doc = dict[str, Any]
# Passed to the server by `process.server_environment` (SERVER_VARIABLES).
ENGINE_VARIABLE = "AZURE_BATCH_MAYA_CONTAINER_ENGINE"
PROBE_IMAGE = "localhost/azure-batch-maya-probe:empty"
_COMMAND_NOT_FOUND = 127
_ENGINE_VARIABLES = ("DOCKER_", "CONTAINER_", "CONTAINERS_", "PODMAN_", "XDG_RUNTIME_DIR")
_CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, str | None, str]] = {}
_cache_lock = threading.Lock()


class ContainerError(Exception):
    """A container step cannot run; `code` is the failure code the task or node reports."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class EngineStatus:
    """The engine that runs containers here (its path), or why none does."""

    path: str | None
    problem: str


def container_configuration(pool: Doc | None) -> Doc | None:
    vm = (pool or {}).get("virtualMachineConfiguration") or {}
    config = vm.get("containerConfiguration")
    return config if isinstance(config, dict) else None


def find_engine() -> EngineStatus:
    """The first engine that starts a container here; probed at most every 30 s."""
    named = os.environ.get(ENGINE_VARIABLE)
    candidates = [named] if named else ["docker", "podman"]
    key = "|".join(candidates)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return EngineStatus(cached[1], cached[2])
        problems = []
        found: str | None = None
        for name in candidates:
            path = shutil.which(name)
            if path is None:
                problems.append(f"{name}: not found on PATH")
                continue
            problem = _probe(path)
            if problem is None:
                found = path
                break
            problems.append(f"{name}: {problem}")
        status = EngineStatus(found, "; ".join(problems))
        _cache[key] = (time.monotonic(), status.path, status.problem)
        return status


def _run(argv: list[str], timeout: float, data: bytes | None = None) -> tuple[int, str]:
    try:
        done = subprocess.run(
            argv,
            input=data,
            stdin=None if data is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return -1, str(error)
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return done.returncode, lines[-1] if lines else f"exit code {done.returncode}"


def _empty_image() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        folder = tarfile.TarInfo(".")
        folder.type = tarfile.DIRTYPE
        folder.mode = 0o755
        archive.addfile(folder)
    return buffer.getvalue()


def _probe(path: str) -> str | None:
    """None when the engine starts a container, else what went wrong in its own words."""
    code, message = _run([path, "info"], 30)
    if code != 0:
        return message
    if _run([path, "image", "inspect", PROBE_IMAGE], 30)[0] != 0:
        code, message = _run([path, "import", "-", PROBE_IMAGE], 60, _empty_image())
        if code != 0:
            return f"cannot build an image here ({message})"
    code, message = _run([path, "run", "--rm", "--network", "none", PROBE_IMAGE, "/probe"], 60)
    if code == _COMMAND_NOT_FOUND:
        return None
    return f"cannot start a container ({message})"


def prepare_node(config: Doc) -> tuple[str, str] | None:
    """(code, message) when a container pool's node cannot be used here, else None.

    Checks the engine, then that every image to prefetch is present or can be pulled.
    """
    status = find_engine()
    if status.path is None:
        return (
            "ContainerEngineUnavailable",
            "No Docker-compatible engine runs containers on this machine"
            f" ({status.problem}). Install and start Docker or Podman (or name one in"
            f" {ENGINE_VARIABLE}), then reboot the node or create the pool again.",
        )
    for image in config.get("containerImageNames") or []:
        if _run([status.path, "image", "inspect", str(image)], 60)[0] == 0:
            continue
        code, message = _run([status.path, "pull", str(image)], 600)
        if code != 0:
            return (
                "ContainerImageUnavailable",
                f"The image {image} is not on this machine and could not be pulled"
                f" ({message}). Build or load it with {Path(status.path).name}, then reboot"
                " the node.",
            )
    return None


def containerize(
    spec: HostSpec,
    settings: Doc | None,
    pool: Doc | None,
    node_root: Path,
    *,
    required: bool,
) -> HostSpec:
    """The host spec that runs `spec`'s command in its container, or `spec` as it is.

    `required` is true for a job's tasks, which on a container pool must say their image
    (the service fails them otherwise), and on a pool without containers must not.
    """
    config = container_configuration(pool)
    if config is None:
        if settings:
            raise ContainerError(
                "ContainerSettingsNotSupported",
                "The task has containerSettings but its pool has no containerConfiguration;"
                " remove containerSettings or run the task on a container pool.",
            )
        return spec
    if not settings:
        if required:
            raise ContainerError(
                "ContainerTaskSettingsNotFound",
                "Container-enabled compute node requires task container settings",
            )
        return spec
    status = find_engine()
    if status.path is None:
        raise ContainerError("ContainerEngineUnavailable", status.problem)
    inner = {
        k: v for k, v in spec.env.items() if k.startswith("AZ_BATCH_") or os.environ.get(k) != v
    }
    argv = [status.path, "run", "--rm", "--name", f"abm-{uuid.uuid4().hex[:16]}"]
    argv += ["-v", f"{node_root}:{node_root}"]
    if str(settings.get("workingDirectory", "taskWorkingDirectory")) != "containerImageDefault":
        argv += ["-w", spec.cwd]
    for name in sorted(inner):
        argv += ["-e", name]  # the value comes from the engine client's environment
    argv += shlex.split(str(settings.get("containerRunOptions") or ""))
    command = spec.command if isinstance(spec.command, list) else shlex.split(spec.command)
    argv += [str(settings["imageName"]), *command]
    # The engine client (not the container) also needs how to reach its engine.
    engine_env = {k: v for k, v in os.environ.items() if k.startswith(_ENGINE_VARIABLES)}
    return replace(
        spec,
        command=argv,
        env={**engine_env, **spec.env},
        cleanup=[status.path, "rm", "-f", argv[4]],
    )
