"""Job preparation and release tasks: once per node per job, before and after its tasks.

The preparation task runs on a node before the job's first task there (with its retries);
tasks wait for it, and never run on a node where it failed if it must succeed. The release
task runs on every node that ran the preparation when the job ends. Both record their runs
as `jobpreparationandreleasetaskstatus` reports them.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from typing import Any

from azure_batch_maya.local import failures
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.containers import ContainerError, containerize
from azure_batch_maya.local.formats import iso
from azure_batch_maya.local.layout import PREP_TASK_DIR, RELEASE_TASK_DIR, NodeLayout, host_dir
from azure_batch_maya.local.runner import (
    Attempt,
    HostLost,
    HostResult,
    HostSpec,
    batch_variables,
    environment,
    failure_of,
    host_spec,
    run_step,
    successful,
)
from azure_batch_maya.local.store import Store
from azure_batch_maya.local.transfer import TransferError, fetch_resource_files

Doc = dict[str, Any]


class Preparations:
    """Runs and records job preparation and release tasks for the engine."""

    def __init__(
        self, store: Store, config: PoolConfig, lock: threading.RLock, wake: Callable[[], None]
    ) -> None:
        self.store = store
        self.config = config
        self.lock = lock
        self.wake = wake
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._releases: set[tuple[str, str]] = set()

    def succeeded(self, job: Doc, node_id: str) -> bool:
        prep = self.store.get_prep(job["id"], node_id)
        info: Doc = (prep or {}).get("jobPreparationTaskExecutionInfo", {})
        return bool(info.get("state") == "completed" and info.get("result") == "success")

    def ensure(self, job: Doc, attempt: Attempt) -> bool:
        """Run the job preparation task once on this node; True when tasks may follow it."""
        key = (job["id"], attempt.node_id)
        with self.lock:
            guard = self._locks.setdefault(key, threading.Lock())
        spec = job["jobPreparationTask"]
        wait = bool(spec.get("waitForSuccess", True))
        with guard:
            with self.lock:
                status = self.store.get_prep(job["id"], attempt.node_id)
            info = (status or {}).get("jobPreparationTaskExecutionInfo", {})
            if info.get("state") == "completed":
                return info.get("result") == "success" or not wait
            retries = int(spec["constraints"]["maxTaskRetryCount"])
            retry = int(info.get("retryCount", 0))
            layout = NodeLayout(self.config.data_dir, attempt.node_id)
            while True:
                folder = host_dir(
                    self.config.data_dir, job["id"], PREP_TASK_DIR, attempt.node_id, str(retry)
                )
                attempt.host_dirs.append(folder)
                with self.lock:
                    self._record_prep(job, layout, attempt, retry, None, None)
                failure: Doc | None = None
                result: HostResult | None = None
                try:
                    result = run_step(folder, lambda: self._prep_spec(job, layout, attempt))
                except (TransferError, ContainerError) as error:
                    failure = failures.failure_info(error.code, error.message)
                if attempt.stop_reason is not None:
                    return False
                if result is not None and result.stopped:
                    shutil.rmtree(folder, True)
                    continue
                succeeded = failure is None and result is not None and successful(result)
                if not succeeded and result is not None and failure is None:
                    failure = failure_of(result)
                done = succeeded or (retries != -1 and retry >= retries)
                with self.lock:
                    self._record_prep(
                        job,
                        layout,
                        attempt,
                        retry,
                        result,
                        failure if not succeeded else None,
                        done=done,
                    )
                if done:
                    return succeeded or not wait
                retry += 1

    def _prep_spec(self, job: Doc, layout: NodeLayout, attempt: Attempt) -> HostSpec:
        spec = job["jobPreparationTask"]
        prep_dir = layout.prep_dir(job["id"])
        working = prep_dir / "wd"
        working.mkdir(parents=True, exist_ok=True)
        fetch_resource_files(spec.get("resourceFiles") or [], working)
        variables = batch_variables(self.config, job, layout, attempt, str(spec["id"]), prep_dir)
        step = host_spec(
            spec,
            working,
            prep_dir,
            environment(
                variables, job.get("commonEnvironmentSettings"), spec.get("environmentSettings")
            ),
        )
        pool = self.store.get_pool(attempt.pool_id)
        return containerize(step, spec.get("containerSettings"), pool, layout.root, required=False)

    def _record_prep(
        self,
        job: Doc,
        layout: NodeLayout,
        attempt: Attempt,
        retry: int,
        result: HostResult | None,
        failure: Doc | None,
        *,
        done: bool = False,
    ) -> None:
        ticks = self.store.ticks()
        node_url = f"{self.config.base_url}/pools/{attempt.pool_id}/nodes/{attempt.node_id}"
        relative = layout.relative_task_dir(job["id"], PREP_TASK_DIR)
        previous = self.store.get_prep(job["id"], attempt.node_id)
        info: Doc = dict((previous or {}).get("jobPreparationTaskExecutionInfo", {}))
        info.setdefault("startTime", iso(ticks))
        info.update(
            {
                "state": "completed" if done else "running",
                "taskRootDirectory": relative,
                "taskRootDirectoryUrl": f"{node_url}/files/{relative}",
                "retryCount": retry,
            }
        )
        if retry:
            info["lastRetryTime"] = iso(ticks)
        if result is not None:
            info["startTime"] = iso(result.start_ticks)
            info["endTime"] = iso(result.end_ticks)
            if result.exit_code is not None:
                info["exitCode"] = result.exit_code
        if done:
            info["result"] = "failure" if failure else "success"
            if failure:
                info["failureInfo"] = failure
        self.store.put_prep(
            job["id"],
            attempt.node_id,
            {
                "poolId": attempt.pool_id,
                "nodeId": attempt.node_id,
                "nodeUrl": node_url,
                "jobPreparationTaskExecutionInfo": info,
            },
        )

    def releases_done(self, job: Doc) -> bool:
        """Start the job release task on every node that ran the preparation; True when done."""
        if "jobReleaseTask" not in job:
            return True
        pending = False
        for prep in self.store.list_preps(job["id"]):
            if (prep.get("jobReleaseTaskExecutionInfo") or {}).get("state") == "completed":
                continue
            nodes = {n["id"] for n in self.store.list_nodes(prep["poolId"])}
            if prep["nodeId"] not in nodes:
                continue
            pending = True
            key = (job["id"], prep["nodeId"])
            if key not in self._releases:
                self._releases.add(key)
                threading.Thread(
                    target=self._run_release, args=(job, prep), name="job-release", daemon=True
                ).start()
        return not pending

    def _run_release(self, job: Doc, prep: Doc) -> None:
        attempt = Attempt(job["id"], RELEASE_TASK_DIR, prep["poolId"], prep["nodeId"], 0)
        layout = NodeLayout(self.config.data_dir, attempt.node_id)
        folder = host_dir(self.config.data_dir, job["id"], RELEASE_TASK_DIR, attempt.node_id, "0")
        spec = job["jobReleaseTask"]
        release_dir = layout.job_dir(job["id"]) / RELEASE_TASK_DIR

        def make_spec() -> HostSpec:
            working = release_dir / "wd"
            working.mkdir(parents=True, exist_ok=True)
            fetch_resource_files(spec.get("resourceFiles") or [], working)
            variables = batch_variables(
                self.config, job, layout, attempt, str(spec["id"]), release_dir
            )
            limits = {"constraints": {"maxWallClockTime": spec.get("maxWallClockTime", "PT15M")}}
            env = environment(
                variables, job.get("commonEnvironmentSettings"), spec.get("environmentSettings")
            )
            step = host_spec({**spec, **limits}, working, release_dir, env)
            pool = self.store.get_pool(attempt.pool_id)
            return containerize(
                step, spec.get("containerSettings"), pool, layout.root, required=False
            )

        relative = layout.relative_task_dir(job["id"], RELEASE_TASK_DIR)
        node_url = f"{self.config.base_url}/pools/{attempt.pool_id}/nodes/{attempt.node_id}"
        info: Doc = {
            "startTime": iso(self.store.ticks()),
            "state": "running",
            "taskRootDirectory": relative,
            "taskRootDirectoryUrl": f"{node_url}/files/{relative}",
        }
        try:
            with self.lock:
                self._record_release(job["id"], attempt.node_id, info)
            result = run_step(folder, make_spec)
            info.update(startTime=iso(result.start_ticks), endTime=iso(result.end_ticks))
            if result.exit_code is not None:
                info["exitCode"] = result.exit_code
            info["result"] = "success" if successful(result) else "failure"
            if not successful(result):
                info["failureInfo"] = failure_of(result)
        except (HostLost, TransferError, ContainerError) as error:
            info.update(endTime=iso(self.store.ticks()), result="failure")
            info["failureInfo"] = failures.failure_info("JobReleaseTaskFailed", str(error))
        finally:
            info["state"] = "completed"
            with self.lock:
                self._record_release(job["id"], attempt.node_id, info)
                self._releases.discard((job["id"], attempt.node_id))
            self.wake()

    def _record_release(self, job_id: str, node: str, info: Doc) -> None:
        prep = self.store.get_prep(job_id, node)
        if prep is not None:
            prep["jobReleaseTaskExecutionInfo"] = dict(info)
            self.store.put_prep(job_id, node, prep)
