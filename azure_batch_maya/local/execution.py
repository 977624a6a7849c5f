"""Running tasks: one thread per task drives it through its steps to a recorded end.

A run takes the job preparation on its node (see `preparation`), fetches resource files,
runs the command through a host (see `runner`), uploads output files, and records the
result, a retry or a requeue. `TaskRuns` also keeps which slots of which node are in use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from azure_batch_maya.local import failures
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.containers import ContainerError
from azure_batch_maya.local.entities import set_state, transition
from azure_batch_maya.local.formats import iso, parse_iso
from azure_batch_maya.local.layout import NodeLayout, host_dir
from azure_batch_maya.local.preparation import Preparations
from azure_batch_maya.local.runner import (
    Attempt,
    HostLost,
    HostResult,
    HostSpec,
    batch_variables,
    environment,
    failure_of,
    request_stop,
    run_step,
    successful,
)
from azure_batch_maya.local.startup import USABLE, ready_state
from azure_batch_maya.local.steps import step_spec
from azure_batch_maya.local.store import Store
from azure_batch_maya.local.transfer import TransferError, upload_output_files

log = logging.getLogger(__name__)

Doc = dict[str, Any]
# Stop reasons after which the task's state was already recorded (or must not be).
_SILENT_STOPS = ("terminated", "jobterminated", "jobdeleted", "taskdeleted", "shutdown")


def complete_now(task: Doc, failure: Doc, ticks: int) -> None:
    """Mark a task completed with a failure now (terminated, ended with its job)."""
    info = task["executionInfo"]
    info["endTime"] = iso(ticks)
    info["result"] = "failure"
    info["failureInfo"] = failure
    transition(task, "completed", ticks)


class TaskRuns:
    """The running tasks, by (job, task), and the slots they hold on each node."""

    def __init__(
        self,
        store: Store,
        config: PoolConfig,
        lock: threading.RLock,
        preps: Preparations,
        wake: Callable[[], None],
        completed: Callable[[str, Doc], None] = lambda job_id, task: None,
    ) -> None:
        self.store = store
        self.config = config
        self.lock = lock
        self.wake = wake
        self._completed = completed
        self._preps = preps
        self.attempts: dict[tuple[str, str], Attempt] = {}
        self.threads: dict[tuple[str, str], threading.Thread] = {}
        self.used: dict[str, int] = {}

    def of_job(self, job_id: str) -> list[Attempt]:
        return [attempt for attempt in self.attempts.values() if attempt.job_id == job_id]

    def on_node(self, node_id: str) -> list[Attempt]:
        return [attempt for attempt in self.attempts.values() if attempt.node_id == node_id]

    def launch(self, attempt: Attempt) -> None:
        key = (attempt.job_id, attempt.task_id)
        self.attempts[key] = attempt
        thread = threading.Thread(
            target=self._drive, args=(attempt,), name=f"task-{attempt.task_id}", daemon=True
        )
        self.threads[key] = thread
        thread.start()

    def stop(self, attempt: Attempt, reason: str) -> None:
        if attempt.stop_reason is None:
            attempt.stop_reason = reason
        for folder in attempt.host_dirs:
            request_stop(folder)

    # Running one task
    def _drive(self, attempt: Attempt) -> None:
        try:
            self._drive_steps(attempt)
        except HostLost as lost:
            log.warning("%s; requeueing task %s", lost, attempt.task_id)
            with self.lock:
                self.requeue(attempt)
        except Exception as error:
            # A fault of the local pool itself: end the task (a requeue could loop forever).
            log.exception("task %s/%s failed in the local pool", attempt.job_id, attempt.task_id)
            with self.lock:
                task = self.store.get_task(attempt.job_id, attempt.task_id)
                if task is not None and task["state"] != "completed":
                    failure = failures.failure_info(
                        "LocalPoolError",
                        f"The local pool failed to run the task: {error}",
                        category="servererror",
                    )
                    complete_now(task, failure, self.store.ticks())
                    self.store.put_task(attempt.job_id, task)
        finally:
            with self.lock:
                self._release(attempt)

    def _drive_steps(self, attempt: Attempt) -> None:
        with self.lock:
            job = self.store.get_job(attempt.job_id)
            task = self.store.get_task(attempt.job_id, attempt.task_id)
        if job is None or task is None:
            return
        if "jobPreparationTask" in job:
            if not self._preps.ensure(job, attempt):
                with self.lock:
                    self.requeue(attempt, count=False)
                return
            with self.lock:
                task = self.store.get_task(attempt.job_id, attempt.task_id)
                if task is None or task["state"] == "completed":
                    return
                if task["state"] == "preparing":
                    ticks = self.store.ticks()
                    transition(task, "running", ticks)
                    task["executionInfo"]["startTime"] = iso(ticks)
                    self.store.put_task(attempt.job_id, task)
        layout = NodeLayout(self.config.data_dir, attempt.node_id)
        info = task["executionInfo"]
        folder = host_dir(
            self.config.data_dir,
            attempt.job_id,
            attempt.task_id,
            attempt.node_id,
            # The creation time tells apart a task deleted and added again under its id.
            f"{parse_iso(task['creationTime'])}-{info['retryCount']}-{info['requeueCount']}",
        )
        # Known before the check below, so a stop asked for from now on reaches the host.
        attempt.host_dirs.append(folder)
        if attempt.stop_reason in _SILENT_STOPS:
            return
        if attempt.stop_reason is not None:  # requeued (reboot, pool shrink) before it started
            with self.lock:
                self.requeue(attempt)
            return
        task_dir = layout.task_dir(attempt.job_id, attempt.task_id)
        failure: Doc | None = None
        result: HostResult | None = None
        try:
            result = run_step(folder, lambda: self._task_spec(job, task, layout, attempt))
        except (TransferError, ContainerError) as error:
            failure = failures.failure_info(error.code, error.message)
        if attempt.stop_reason in _SILENT_STOPS:
            return
        if result is not None and result.stopped and attempt.stop_reason is None:
            raise HostLost(f"host in {folder} was stopped by a shutdown")
        succeeded = failure is None and result is not None and successful(result)
        if failure is None and attempt.stop_reason is None:
            try:
                upload_output_files(task.get("outputFiles") or [], task_dir / "wd", succeeded)
            except TransferError as error:
                failure = failures.failure_info(error.code, error.message)
                succeeded = False
        with self.lock:
            self._finish(attempt, result, failure, succeeded)

    def _task_spec(self, job: Doc, task: Doc, layout: NodeLayout, attempt: Attempt) -> HostSpec:
        task_dir = layout.task_dir(attempt.job_id, attempt.task_id)
        variables = batch_variables(self.config, job, layout, attempt, attempt.task_id, task_dir)
        env = environment(
            variables, job.get("commonEnvironmentSettings"), task.get("environmentSettings")
        )
        pool = self.store.get_pool(attempt.pool_id)
        return step_spec(task, task_dir, env, pool, layout.root, required=True)

    def _finish(
        self, attempt: Attempt, result: HostResult | None, failure: Doc | None, succeeded: bool
    ) -> None:
        task = self.store.get_task(attempt.job_id, attempt.task_id)
        if task is None or task["state"] == "completed":
            return
        if attempt.stop_reason in ("pooldeleted", "requeue"):
            self.requeue(attempt)
            return
        ticks = self.store.ticks()
        info = task["executionInfo"]
        if result is not None:
            info["startTime"] = iso(result.start_ticks)
            info["endTime"] = iso(result.end_ticks)
            if result.exit_code is not None:
                info["exitCode"] = result.exit_code
            else:
                info.pop("exitCode", None)
        else:
            info["endTime"] = iso(ticks)
        if failure is None and result is not None and not succeeded:
            failure = failure_of(result)
        info["result"] = "success" if succeeded else "failure"
        if failure is not None:
            info["failureInfo"] = failure
        else:
            info.pop("failureInfo", None)
        retries = int(task["constraints"]["maxTaskRetryCount"])
        if not succeeded and (retries == -1 or info["retryCount"] < retries):
            info["retryCount"] += 1
            info["lastRetryTime"] = iso(ticks)
            transition(task, "active", ticks)
        else:
            transition(task, "completed", ticks)
        self.store.put_task(attempt.job_id, task)
        if task["state"] == "completed":
            self._completed(attempt.job_id, task)
        node_doc = self._node(attempt)
        if node_doc is not None:
            node_doc["totalTasksRun"] += 1
            node_doc["totalTasksSucceeded"] += 1 if succeeded else 0
            self.store.put_node(attempt.pool_id, node_doc)

    def requeue(self, attempt: Attempt, *, count: bool = True) -> None:
        """Back to active without using a retry, as after a node restart."""
        task = self.store.get_task(attempt.job_id, attempt.task_id)
        if task is None or task["state"] == "completed":
            return
        ticks = self.store.ticks()
        if count:
            task["executionInfo"]["requeueCount"] += 1
            task["executionInfo"]["lastRequeueTime"] = iso(ticks)
        task.pop("nodeInfo", None)
        transition(task, "active", ticks)
        self.store.put_task(attempt.job_id, task)

    def _node(self, attempt: Attempt) -> Doc | None:
        for node in self.store.list_nodes(attempt.pool_id):
            if node["id"] == attempt.node_id:
                return node
        return None

    def _release(self, attempt: Attempt) -> None:
        key = (attempt.job_id, attempt.task_id)
        if self.attempts.get(key) is attempt:
            del self.attempts[key]
            self.threads.pop(key, None)
        self.used[attempt.node_id] = max(0, self.used.get(attempt.node_id, 0) - attempt.slots)
        node = self._node(attempt)
        if node is not None:
            node["runningTasksCount"] = max(0, node["runningTasksCount"] - 1)
            node["runningTaskSlotsCount"] = max(0, node["runningTaskSlotsCount"] - attempt.slots)
            if node["runningTasksCount"] == 0 and node["state"] == "running":
                set_state(node, ready_state(node), self.store.ticks())
            self.store.put_node(attempt.pool_id, node)
        self.wake()

    def count_on_node(self, attempt: Attempt) -> None:
        node = self._node(attempt)
        if node is not None:
            node["runningTasksCount"] += 1
            node["runningTaskSlotsCount"] += attempt.slots
            if node["state"] in USABLE:
                set_state(node, "running", self.store.ticks())
            self.store.put_node(attempt.pool_id, node)
