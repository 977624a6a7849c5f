"""The steps a node runs besides tasks (start task, job preparation and release): one loop.

`NodeSteps.run` runs a `RetriedStep` through hosts (see `runner`): each try is recorded as
running, run (or adopted after a restart, so a command never runs twice), and recorded with
its result; a failed try runs again while retries are left (`maxTaskRetryCount`, -1 for no
limit). A host that dies without a result (the machine went down under it) runs its try
again, a few times at most, as a Batch node that restarted does. What each step records, and
where, is the caller's (`startup`, `preparation`).
"""

from __future__ import annotations

import enum
import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azure_batch_maya.local import failures, runner
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.containers import ContainerError, containerize
from azure_batch_maya.local.runner import HostResult, HostSpec
from azure_batch_maya.local.store import Store
from azure_batch_maya.local.transfer import TransferError, fetch_resource_files

log = logging.getLogger(__name__)

Doc = dict[str, Any]
# Hosts that may die without a result before the step's fault is the pool's (raised).
MAX_LOST_HOSTS = 3


class Outcome(enum.Enum):
    """How a step ended: its last try's result, or stopped with nothing more recorded."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    STOPPED = "stopped"  # asked to stop, or its node moved on (rebooted, removed)


@dataclass(frozen=True)
class StepRun:
    """One try of a step to record: running (no result yet), or ended (`done` if final)."""

    retry: int
    result: HostResult | None = None
    failure: Doc | None = None  # None when the try succeeded (or is still running)
    done: bool = False


@dataclass(frozen=True)
class RetriedStep:
    """One step on one node: where each try runs, what it runs, how it is recorded."""

    # The host folder of a try; asked before the try starts, so a stop reaches its host.
    folder: Callable[[int], Path]
    spec: Callable[[], HostSpec]
    # Called under the engine's lock; False when the node moved on (the step then stops).
    record: Callable[[StepRun], bool]
    stopped: Callable[[], bool]
    max_retries: int  # maxTaskRetryCount: -1 for no limit


def step_spec(
    step: Doc,
    task_dir: Path,
    env: dict[str, str],
    pool: Doc | None,
    node_root: Path,
    *,
    required: bool,
) -> HostSpec:
    """The host spec of a step (a task, a start, preparation or release task) in `task_dir`:
    its resource files fetched into `wd`, its environment, its container if it names one."""
    working = task_dir / "wd"
    working.mkdir(parents=True, exist_ok=True)
    fetch_resource_files(step.get("resourceFiles") or [], working)
    spec = runner.host_spec(step, working, task_dir, env)
    return containerize(spec, step.get("containerSettings"), pool, node_root, required=required)


class NodeSteps:
    """Runs node steps for the engine: its store, configuration, lock and wake-up."""

    def __init__(
        self, store: Store, config: PoolConfig, lock: threading.RLock, wake: Callable[[], None]
    ) -> None:
        self.store = store
        self.config = config
        self.lock = lock
        self.wake = wake

    def run(self, step: RetriedStep, retry: int = 0) -> Outcome:
        """Run `step` from try `retry` until it succeeds, its retries are spent, or it stops.

        Raises HostLost once more than `MAX_LOST_HOSTS` hosts died without a result.
        """
        lost_hosts = 0
        while True:
            folder = step.folder(retry)
            if step.stopped():
                return Outcome.STOPPED
            with self.lock:
                if not step.record(StepRun(retry)):
                    return Outcome.STOPPED
            failure: Doc | None = None
            result: HostResult | None = None
            try:
                result = runner.run_step(folder, step.spec)
            except (TransferError, ContainerError) as error:
                failure = failures.failure_info(error.code, error.message)
            except runner.HostLost as lost:
                lost_hosts += 1
                if lost_hosts > MAX_LOST_HOSTS:
                    raise
                log.warning("%s; running the step again", lost)
                shutil.rmtree(folder, True)
                continue
            if step.stopped():
                return Outcome.STOPPED
            if result is not None and result.stopped:
                shutil.rmtree(folder, True)  # stopped by an earlier server's shutdown
                continue
            if failure is None and result is not None and not runner.successful(result):
                failure = runner.failure_of(result)
            done = failure is None or (step.max_retries != -1 and retry >= step.max_retries)
            with self.lock:
                if not step.record(StepRun(retry, result, failure, done=done)):
                    return Outcome.STOPPED
            if done:
                return Outcome.SUCCEEDED if failure is None else Outcome.FAILED
            retry += 1
