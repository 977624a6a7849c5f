"""Job preparation and release tasks: once per node per job, before and after its tasks.

The preparation task runs on a node before the job's first task there (with its retries);
tasks wait for it, and never run on a node where it failed if it must succeed. The release
task runs on every node that ran the preparation when the job ends. Both run through
`steps.NodeSteps.run`, as start tasks do, and record their runs as
`jobpreparationandreleasetaskstatus` reports them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from azure_batch_maya.local import failures
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.formats import iso
from azure_batch_maya.local.layout import PREP_TASK_DIR, RELEASE_TASK_DIR, NodeLayout, host_dir
from azure_batch_maya.local.runner import Attempt, HostLost, HostSpec, batch_variables, environment
from azure_batch_maya.local.steps import NodeSteps, Outcome, RetriedStep, StepRun, step_spec
from azure_batch_maya.local.store import Store

log = logging.getLogger(__name__)

Doc = dict[str, Any]


class Preparations(NodeSteps):
    """Runs and records job preparation and release tasks for the engine."""

    def __init__(
        self, store: Store, config: PoolConfig, lock: threading.RLock, wake: Callable[[], None]
    ) -> None:
        super().__init__(store, config, lock, wake)
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
            layout = NodeLayout(self.config.data_dir, attempt.node_id)

            def folder(retry: int) -> Path:
                found = host_dir(
                    self.config.data_dir, job["id"], PREP_TASK_DIR, attempt.node_id, str(retry)
                )
                attempt.host_dirs.append(found)
                return found

            step = RetriedStep(
                folder=folder,
                spec=lambda: self._prep_spec(job, layout, attempt),
                record=lambda run: self._record_prep(job, layout, attempt, run),
                stopped=lambda: attempt.stop_reason is not None,
                max_retries=int(spec["constraints"]["maxTaskRetryCount"]),
            )
            outcome = self.run(step, int(info.get("retryCount", 0)))
            return outcome is Outcome.SUCCEEDED or (outcome is Outcome.FAILED and not wait)

    def _job_step_spec(
        self, job: Doc, spec: Doc, task_dir: Path, layout: NodeLayout, attempt: Attempt
    ) -> HostSpec:
        """The host spec of the job's preparation or release task on the attempt's node."""
        variables = batch_variables(self.config, job, layout, attempt, str(spec["id"]), task_dir)
        env = environment(
            variables, job.get("commonEnvironmentSettings"), spec.get("environmentSettings")
        )
        pool = self.store.get_pool(attempt.pool_id)
        return step_spec(spec, task_dir, env, pool, layout.root, required=False)

    def _prep_spec(self, job: Doc, layout: NodeLayout, attempt: Attempt) -> HostSpec:
        spec = job["jobPreparationTask"]
        return self._job_step_spec(job, spec, layout.prep_dir(job["id"]), layout, attempt)

    def _record_prep(self, job: Doc, layout: NodeLayout, attempt: Attempt, run: StepRun) -> bool:
        ticks = self.store.ticks()
        node_url = f"{self.config.base_url}/pools/{attempt.pool_id}/nodes/{attempt.node_id}"
        relative = layout.relative_task_dir(job["id"], PREP_TASK_DIR)
        previous = self.store.get_prep(job["id"], attempt.node_id)
        info: Doc = dict((previous or {}).get("jobPreparationTaskExecutionInfo", {}))
        info.setdefault("startTime", iso(ticks))
        info.update(
            {
                "state": "completed" if run.done else "running",
                "taskRootDirectory": relative,
                "taskRootDirectoryUrl": f"{node_url}/files/{relative}",
                "retryCount": run.retry,
            }
        )
        if run.retry:
            info["lastRetryTime"] = iso(ticks)
        if run.result is not None:
            info["startTime"] = iso(run.result.start_ticks)
            info["endTime"] = iso(run.result.end_ticks)
            if run.result.exit_code is not None:
                info["exitCode"] = run.result.exit_code
        if run.done:
            info["result"] = "failure" if run.failure else "success"
            if run.failure:
                info["failureInfo"] = run.failure
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
        return True

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
        """Run the release task once (the service gives it no retries), 15 minutes at most."""
        attempt = Attempt(job["id"], RELEASE_TASK_DIR, prep["poolId"], prep["nodeId"], 0)
        layout = NodeLayout(self.config.data_dir, attempt.node_id)
        release = job["jobReleaseTask"]
        limits = {"constraints": {"maxWallClockTime": release.get("maxWallClockTime", "PT15M")}}
        spec = {**release, **limits}
        release_dir = layout.job_dir(job["id"]) / RELEASE_TASK_DIR
        step = RetriedStep(
            folder=lambda retry: host_dir(
                self.config.data_dir, job["id"], RELEASE_TASK_DIR, attempt.node_id, str(retry)
            ),
            spec=lambda: self._job_step_spec(job, spec, release_dir, layout, attempt),
            record=lambda run: self._record_release(job["id"], layout, attempt, run),
            stopped=lambda: False,
            max_retries=0,
        )
        try:
            self.run(step)
        except Exception as error:  # recorded as ended, so it is not started again and again
            if not isinstance(error, HostLost):
                log.exception(
                    "job release task on node %s failed in the local pool", prep["nodeId"]
                )
            failure = failures.failure_info("JobReleaseTaskFailed", str(error))
            with self.lock:
                self._record_release(job["id"], layout, attempt, StepRun(0, None, failure, True))
        finally:
            with self.lock:
                self._releases.discard((job["id"], attempt.node_id))
            self.wake()

    def _record_release(
        self, job_id: str, layout: NodeLayout, attempt: Attempt, run: StepRun
    ) -> bool:
        prep = self.store.get_prep(job_id, attempt.node_id)
        if prep is None:
            return False
        relative = layout.relative_task_dir(job_id, RELEASE_TASK_DIR)
        node_url = f"{self.config.base_url}/pools/{attempt.pool_id}/nodes/{attempt.node_id}"
        previous: Doc = prep.get("jobReleaseTaskExecutionInfo") or {}
        now = iso(self.store.ticks())
        info: Doc = {
            "startTime": previous.get("startTime", now) if run.done else now,
            "state": "completed" if run.done else "running",
            "taskRootDirectory": relative,
            "taskRootDirectoryUrl": f"{node_url}/files/{relative}",
        }
        if run.result is not None:
            info.update(startTime=iso(run.result.start_ticks), endTime=iso(run.result.end_ticks))
            if run.result.exit_code is not None:
                info["exitCode"] = run.result.exit_code
        elif run.done:
            info["endTime"] = now
        if run.done:
            info["result"] = "failure" if run.failure else "success"
            if run.failure:
                info["failureInfo"] = run.failure
        prep["jobReleaseTaskExecutionInfo"] = info
        self.store.put_prep(job_id, attempt.node_id, prep)
        return True
