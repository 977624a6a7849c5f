"""The local pool's engine: allocates nodes, runs jobs' tasks on them, recovers after restarts.

One loop thread moves pools and jobs through the service's states and hands active tasks to
free slots, where `execution.TaskRuns` drives each one to its end. Every state change is
committed to the store first, so `_recover` can adopt what was running after a restart.
"""

from __future__ import annotations

import copy
import logging
import shutil
import threading
import uuid
from typing import Any

from azure_batch_maya.local import dependencies, failures
from azure_batch_maya.local.allocation import plan_allocation
from azure_batch_maya.local.autoscale.scaler import AutoScaler
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.containers import container_configuration
from azure_batch_maya.local.entities import (
    auto_pool_body,
    new_node,
    new_pool,
    put_before,
    set_state,
    touch,
    transition,
)
from azure_batch_maya.local.execution import TaskRuns, complete_now
from azure_batch_maya.local.formats import UNLIMITED_SECONDS, iso, parse_duration, parse_iso
from azure_batch_maya.local.layout import NodeLayout, node_hosts_dir, task_hosts_dir
from azure_batch_maya.local.preparation import Preparations
from azure_batch_maya.local.runner import (
    Attempt,
)
from azure_batch_maya.local.startup import USABLE, StartTasks, ready_state
from azure_batch_maya.local.store import Store

log = logging.getLogger(__name__)

Doc = dict[str, Any]
_TICK_SECONDS = 0.25


class Engine:
    """Owns the running tasks; the REST layer takes `lock` around read-modify-write of state."""

    def __init__(self, store: Store, config: PoolConfig) -> None:
        self.store = store
        self.config = config
        self.lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._preps = Preparations(store, config, self.lock, self.wake)
        self._starts = StartTasks(store, config, self.lock, self.wake)
        self.runs = TaskRuns(store, config, self.lock, self._preps, self.wake, self._task_completed)
        self._disabling: dict[str, str] = {}
        self._deallocation: dict[str, str] = {}
        self.autoscale = AutoScaler(store, config)
        self._loop: threading.Thread | None = None

    # Life cycle
    def start(self) -> None:
        self._recover()
        self._loop = threading.Thread(target=self._run_loop, name="local-pool-loop", daemon=True)
        self._loop.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop and the running commands; they are requeued at the next start."""
        self._stopping.set()
        self._wake.set()
        if self._loop is not None:
            self._loop.join(timeout)
        with self.lock:
            for attempt in self.runs.attempts.values():
                self.runs.stop(attempt, "shutdown")
            threads = list(self.runs.threads.values())
        for thread in threads:
            thread.join(timeout)
        self._starts.shutdown(timeout)

    def wake(self) -> None:
        self._wake.set()

    def _run_loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(_TICK_SECONDS)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                with self.lock:
                    self._tick()
            except Exception:
                log.exception("local pool loop failed; continuing")

    def _tick(self) -> None:
        self.autoscale.tick(self.resize_pool)
        # Deletions first, so that the nodes they free can go to pools resizing in this tick.
        pools = sorted(self.store.list_pools(), key=lambda pool: pool["state"] != "deleting")
        for pool in pools:
            self._tick_pool(pool)
        for job in self.store.list_jobs():
            self._tick_job(job)
        self._dispatch()
        self._sweep()

    def _sweep(self) -> None:
        """Delete the folders of completed tasks past their retention time, as nodes do."""
        for job_id, task in self.store.expired_tasks(self.store.ticks()):
            node = task["nodeInfo"]["nodeId"]
            shutil.rmtree(NodeLayout(self.config.data_dir, node).task_dir(job_id, task["id"]), True)
            shutil.rmtree(task_hosts_dir(self.config.data_dir, job_id, task["id"]), True)
            self.store.forget_expiry(job_id, task["id"])

    # Pools
    def _tick_pool(self, pool: Doc) -> None:
        if pool["state"] == "deleting":
            nodes = {node["id"] for node in self.store.list_nodes(pool["id"])}
            busy = [a for a in self.runs.attempts.values() if a.node_id in nodes]
            for attempt in busy:
                self.runs.stop(attempt, "pooldeleted")
            for node_id in nodes:
                self._starts.stop(node_id)
            if not busy and not any(self._starts.busy(node_id) for node_id in nodes):
                for gone in nodes:
                    self._forget_node(gone)
                self.store.delete_pool(pool["id"])
            return
        if pool["allocationState"] != "steady":
            self._resize(pool)
        for node in self.store.list_nodes(pool["id"]):
            if (
                node["state"] == "rebooting"
                and not self.runs.on_node(node["id"])
                and not self._starts.busy(node["id"])
            ):
                self._boot(pool, node)

    def _forget_node(self, node_id: str) -> None:
        self._starts.stop(node_id)
        shutil.rmtree(NodeLayout(self.config.data_dir, node_id).root, True)
        shutil.rmtree(node_hosts_dir(self.config.data_dir, node_id), True)

    def _boot(self, pool: Doc, node: Doc) -> None:
        """A node (re)joins: a new boot, then its start task, or straight to idle."""
        ticks = self.store.ticks()
        if node["state"] == "rebooting":
            node["lastBootTime"] = iso(ticks)
            self._preps_after_reboot(node["id"])
        node.pop("startTaskInfo", None)
        node.pop("errors", None)
        spec = pool.get("startTask")
        if spec:
            put_before(node, "startTask", copy.deepcopy(spec), "isDedicated")
            node["startTask"] = copy.deepcopy(spec)
        else:
            node.pop("startTask", None)
        checked = spec or container_configuration(pool) is not None
        set_state(node, "starting" if checked else ready_state(node), ticks)
        self.store.put_node(pool["id"], node)
        if checked:
            self._starts.begin(pool["id"], node["id"])
        self.wake()

    def _preps_after_reboot(self, node_id: str) -> None:
        """Job preparations run again on a rebooted node, unless told not to after success."""
        for job_id, prep in self.store.preps_on_node(node_id):
            info = prep.get("jobPreparationTaskExecutionInfo") or {}
            job = self.store.get_job(job_id)
            rerun = (
                (job or {}).get("jobPreparationTask", {}).get("rerunOnNodeRebootAfterSuccess", True)
            )
            if rerun or info.get("result") != "success":
                self.store.delete_prep(job_id, node_id)

    def _resize(self, pool: Doc) -> None:
        nodes = self.store.list_nodes(pool["id"])
        others = {
            other["id"]: (other, self.store.list_nodes(other["id"]))
            for other in self.store.list_pools()
            if other["id"] != pool["id"]
        }
        room = self.config.slots - sum(len(held) for _, held in others.values())
        # Nodes of pools being deleted are only briefly taken: wait for them, do not fail.
        freeing = sum(
            1
            for other, held in others.values()
            for node in held
            if other["state"] == "deleting" or node["state"] == "leavingpool"
        )
        plan = plan_allocation(pool, nodes, self.runs.used, max(0, room), freeing)
        ticks = self.store.ticks()
        by_id = {node["id"]: node for node in nodes}
        for gone in plan.remove:
            self.store.delete_node(pool["id"], gone)
            self._forget_node(gone)
        for busy in plan.leave:
            self._leave(pool, by_id[busy], ticks)
        for index, dedicated in plan.add:
            node = new_node(pool, index, dedicated, self.config.base_url, ticks)
            for folder in ("shared", "startup", "workitems"):
                (NodeLayout(self.config.data_dir, node["id"]).root / folder).mkdir(
                    parents=True, exist_ok=True
                )
            self._boot(pool, node)
        pool["currentDedicatedNodes"] = plan.dedicated
        pool["currentLowPriorityNodes"] = plan.low_priority
        if plan.steady:
            if plan.short:
                pool["resizeErrors"] = [
                    {
                        "code": "AccountCoreQuotaReached",
                        "message": (
                            f"The local pool has {self.config.slots} slots in all; start it"
                            " with more (--slots) or resize other pools down."
                        ),
                    }
                ]
            else:
                pool.pop("resizeErrors", None)
            set_state(pool, "steady", ticks, key="allocationState")
        self.store.put_pool(pool)

    def resize_pool(self, pool: Doc, deallocation: str) -> None:
        """Remember how to free busy nodes when this resize shrinks the pool."""
        self._deallocation[pool["id"]] = deallocation
        self.wake()

    def _leave(self, pool: Doc, node: Doc, ticks: int) -> None:
        """A busy node the pool is shrinking away: no new tasks; running ones per the option."""
        self._free_node(node["id"], self._deallocation.get(pool["id"], "requeue"), ticks)
        if node["state"] != "leavingpool":
            set_state(node, "leavingpool", ticks)
            self.store.put_node(pool["id"], node)

    def _free_node(self, node_id: str, mode: str, ticks: int) -> None:
        """The node's running tasks per `mode`: requeued, ended, or left to finish."""
        for attempt in self.runs.on_node(node_id):
            if mode == "requeue":
                self.runs.stop(attempt, "requeue")
            elif mode == "terminate":
                task = self.store.get_task(attempt.job_id, attempt.task_id)
                if task is not None and task["state"] != "completed":
                    complete_now(task, failures.ENDED_BY_USER, ticks)
                    self.store.put_task(attempt.job_id, task)
                self.runs.stop(attempt, "terminated")

    # Node actions (the REST layer holds `lock`)
    def reboot_node(self, pool: Doc, node: Doc, option: str) -> None:
        """Rebooting: tasks per `option`, then the node boots again and reruns its start task."""
        ticks = self.store.ticks()
        self._free_node(node["id"], option, ticks)
        self._starts.stop(node["id"])
        set_state(node, "rebooting", ticks)
        self.store.put_node(pool["id"], node)
        self.wake()

    def disable_scheduling(self, pool: Doc, node: Doc, option: str) -> None:
        """No new tasks on the node; running ones per `option`; `offline` once it is free."""
        ticks = self.store.ticks()
        node["schedulingState"] = "disabled"
        self._free_node(node["id"], option, ticks)
        if node["state"] == "idle":
            set_state(node, "offline", ticks)
        self.store.put_node(pool["id"], node)
        self.wake()

    def enable_scheduling(self, pool: Doc, node: Doc) -> None:
        node["schedulingState"] = "enabled"
        if node["state"] == "offline":
            set_state(node, "idle", self.store.ticks())
        self.store.put_node(pool["id"], node)
        self.wake()

    def remove_nodes(self, pool: Doc, node_ids: list[str], option: str) -> None:
        """The nodes leave the pool (busy ones per `option`) and its targets drop with them."""
        ticks = self.store.ticks()
        nodes = self.store.list_nodes(pool["id"])
        for node in nodes:
            if node["id"] in node_ids and node["state"] != "leavingpool":
                self._starts.stop(node["id"])
                set_state(node, "leavingpool", ticks)
                self.store.put_node(pool["id"], node)
        for dedicated, name in ((True, "targetDedicatedNodes"), (False, "targetLowPriorityNodes")):
            staying = [
                n for n in nodes if n["isDedicated"] == dedicated and n["state"] != "leavingpool"
            ]
            pool[name] = min(int(pool[name]), len(staying))
        set_state(pool, "resizing", ticks, key="allocationState")
        touch(pool, ticks)
        self.store.put_pool(pool)
        self.resize_pool(pool, option)

    # Jobs
    def _tick_job(self, job: Doc) -> None:
        state = job["state"]
        if state == "active":
            self._tick_active_job(job)
        elif state == "disabling":
            if not self.runs.of_job(job["id"]) or (self._disabling.get(job["id"]) == "wait"):
                self._disabling.pop(job["id"], None)
                transition(job, "disabled", self.store.ticks())
                self.store.put_job(job)
        elif state == "enabling":
            transition(job, "active", self.store.ticks())
            self.store.put_job(job)
        elif state in ("terminating", "deleting"):
            running = self.runs.of_job(job["id"])
            reason = "jobdeleted" if state == "deleting" else "jobterminated"
            for attempt in running:
                self.runs.stop(attempt, reason)
            if running or not self._preps.releases_done(job):
                return
            if state == "deleting":
                self._forget_job(job)
            else:
                ticks = self.store.ticks()
                transition(job, "completed", ticks)
                job["executionInfo"]["endTime"] = iso(ticks)
                self.store.put_job(job)
                self._end_auto_pool(job)

    def _tick_active_job(self, job: Doc) -> None:
        auto = job["poolInfo"].get("autoPoolSpecification")
        if auto and "poolId" not in job["executionInfo"]:
            body = auto_pool_body(job, str(uuid.uuid4()).upper())
            self.store.put_pool(new_pool(body, self.config.base_url, self.store.ticks()))
            job["executionInfo"]["poolId"] = body["id"]
            self.store.put_job(job)
        limit = parse_duration(job["constraints"]["maxWallClockTime"])
        started = parse_iso(job["creationTime"])
        if limit < UNLIMITED_SECONDS and self.store.ticks() - started > limit * 10_000_000:
            self.terminate_job(job, "MaxWallClockTimeExpiry")
            return
        if job.get("onAllTasksComplete") == "terminatejob":
            counts = self.store.task_counts(job["id"])
            if counts["active"][0] == 0 and counts["running"][0] == 0:
                self.terminate_job(job, "AllTasksComplete")

    def terminate_job(self, job: Doc, reason: str) -> None:
        """Terminating: running tasks end now, and the job completes once they have."""
        ticks = self.store.ticks()
        transition(job, "terminating", ticks)
        job["executionInfo"]["terminateReason"] = reason
        self.store.put_job(job)
        for attempt in self.runs.of_job(job["id"]):
            task = self.store.get_task(attempt.job_id, attempt.task_id)
            if task is not None and task["state"] != "completed":
                complete_now(task, failures.ENDED_BY_JOB, ticks)
                self.store.put_task(attempt.job_id, task)
            self.runs.stop(attempt, "jobterminated")
        self.wake()

    def disable_job(self, job: Doc, disable_tasks: str) -> None:
        """Stop scheduling the job's tasks; running ones are requeued, ended or left to finish."""
        ticks = self.store.ticks()
        transition(job, "disabling", ticks)
        self.store.put_job(job)
        self._disabling[job["id"]] = disable_tasks
        for attempt in self.runs.of_job(job["id"]):
            if disable_tasks == "requeue":
                self.runs.stop(attempt, "requeue")
            elif disable_tasks == "terminate":
                task = self.store.get_task(attempt.job_id, attempt.task_id)
                if task is not None:
                    complete_now(task, failures.ENDED_BY_USER, ticks)
                    self.store.put_task(attempt.job_id, task)
                self.runs.stop(attempt, "terminated")
        self.wake()

    def terminate_task(self, job_id: str, task: Doc) -> None:
        """End one task by request: completed with `TaskEnded`, its command stopped."""
        if task["state"] == "completed":
            return
        complete_now(task, failures.ENDED_BY_USER, self.store.ticks())
        self.store.put_task(job_id, task)
        attempt = self.runs.attempts.get((job_id, task["id"]))
        if attempt is not None:
            self.runs.stop(attempt, "terminated")
        self.wake()

    def delete_task(self, job_id: str, task: Doc) -> None:
        """Forget a task: its command is stopped, its record and files removed."""
        attempt = self.runs.attempts.get((job_id, task["id"]))
        if attempt is not None:
            self.runs.stop(attempt, "taskdeleted")
        self.store.delete_task(job_id, task["id"])
        node = (task.get("nodeInfo") or {}).get("nodeId")
        if node:
            shutil.rmtree(NodeLayout(self.config.data_dir, node).task_dir(job_id, task["id"]), True)
        if attempt is None:
            shutil.rmtree(task_hosts_dir(self.config.data_dir, job_id, task["id"]), True)

    def reactivate_task(self, job_id: str, task: Doc) -> None:
        """A failed task back to active with renewed retries; its old runs are forgotten."""
        ticks = self.store.ticks()
        info = task["executionInfo"]
        for key in ("exitCode", "result", "failureInfo", "startTime", "endTime"):
            info.pop(key, None)
        info["retryCount"] = 0
        task.pop("nodeInfo", None)
        transition(task, "active", ticks)
        shutil.rmtree(task_hosts_dir(self.config.data_dir, job_id, task["id"]), True)
        self.store.put_task(job_id, task)
        self.wake()

    def _end_auto_pool(self, job: Doc) -> None:
        auto = job["poolInfo"].get("autoPoolSpecification")
        pool_id = job["executionInfo"].get("poolId")
        if auto and auto.get("poolLifetimeOption", "job") == "job" and not auto.get("keepAlive"):
            pool = self.store.get_pool(pool_id) if pool_id else None
            if pool is not None and pool["state"] != "deleting":
                set_state(pool, "deleting", self.store.ticks())
                self.store.put_pool(pool)

    def _forget_job(self, job: Doc) -> None:
        for pool in self.store.list_pools():
            for node in self.store.list_nodes(pool["id"]):
                shutil.rmtree(NodeLayout(self.config.data_dir, node["id"]).job_dir(job["id"]), True)
        shutil.rmtree(self.config.data_dir / "hosts" / job["id"], True)
        self.store.delete_job(job["id"])
        self._end_auto_pool(job)

    # Dispatch
    def _dispatch(self) -> None:
        jobs = [job for job in self.store.list_jobs() if job["state"] == "active"]
        jobs.sort(key=lambda job: (-int(job.get("priority", 0)), job["creationTime"]))
        for job in jobs:
            pool_id = job["executionInfo"].get("poolId")
            pool = self.store.get_pool(pool_id) if pool_id else None
            if pool is None or pool["state"] != "active":
                continue
            self._dispatch_job(job, pool)

    def _dispatch_job(self, job: Doc, pool: Doc) -> None:
        per_node = int(pool.get("taskSlotsPerNode", 1))
        failed_prep = {
            prep["nodeId"]
            for prep in self.store.list_preps(job["id"])
            if prep["jobPreparationTaskExecutionInfo"].get("result") == "failure"
            and job["jobPreparationTask"].get("waitForSuccess", True)
        }
        free = {
            node["id"]: per_node - self.runs.used.get(node["id"], 0)
            for node in self.store.list_nodes(pool["id"])
            if node["id"] not in failed_prep
            and node["schedulingState"] == "enabled"
            and node["state"] in USABLE
        }
        budget = sum(max(0, slots) for slots in free.values())
        if job.get("maxParallelTasks", -1) != -1:
            mine = len(self.runs.of_job(job["id"]))
            budget = min(budget, int(job["maxParallelTasks"]) - mine)
        if budget <= 0:
            return
        pack = pool["taskSchedulingPolicy"]["nodeFillType"].lower() == "pack"
        nodes = {node["id"]: node for node in self.store.list_nodes(pool["id"])}
        with self.store.transaction():
            # A task needing more slots than a node has never runs, and must not block others.
            waiting = self._waiting(job, budget, per_node)
            for task in waiting:
                need = int(task.get("requiredSlots", 1))
                fitting = [n for n, slots in free.items() if slots >= need]
                if not fitting:
                    break
                chosen = (min if pack else max)(fitting, key=lambda n: (free[n], n))
                free[chosen] -= need
                self._begin(job, pool, nodes[chosen], task, need)

    def _waiting(self, job: Doc, budget: int, per_node: int) -> list[Doc]:
        """The oldest active tasks that may run now: their dependencies are satisfied."""
        if not job.get("usesTaskDependencies"):
            return self.store.tasks_in_state(job["id"], "active", budget, max_slots=per_node)
        waiting = self.store.tasks_in_state(job["id"], "active", max_slots=per_node)
        if not any(task.get("dependsOn") for task in waiting):
            return waiting[:budget]
        tasks = {task["id"]: task for task in self.store.list_tasks(job["id"])}
        numbers = dependencies.number_groups(tasks.values())
        ready = [t for t in waiting if dependencies.ready(t, tasks.get, numbers)]
        return ready[:budget]

    def _task_completed(self, job_id: str, task: Doc) -> None:
        """A task ended for good: a failure may act on its job (`onTaskFailure`)."""
        job = self.store.get_job(job_id)
        if job is None or job["state"] != "active":
            return
        if str(job.get("onTaskFailure", "noaction")).lower() != "performexitoptionsjobaction":
            return
        if task["executionInfo"].get("result") != "failure":
            return
        action = dependencies.exit_options(task)[1]
        if action == "terminate":
            self.terminate_job(job, "TaskFailed")
        elif action == "disable":
            self.disable_job(job, "requeue")

    def _begin(self, job: Doc, pool: Doc, node: Doc, task: Doc, slots: int) -> None:
        ticks = self.store.ticks()
        layout = NodeLayout(self.config.data_dir, node["id"])
        relative = layout.relative_task_dir(job["id"], task["id"])
        task["nodeInfo"] = {
            "affinityId": node["affinityId"],
            "nodeUrl": node["url"],
            "poolId": pool["id"],
            "nodeId": node["id"],
            "taskRootDirectory": relative,
            "taskRootDirectoryUrl": f"{node['url']}/files/{relative}",
        }
        needs_prep = "jobPreparationTask" in job and not self._preps.succeeded(job, node["id"])
        transition(task, "preparing" if needs_prep else "running", ticks)
        if not needs_prep:
            task["executionInfo"]["startTime"] = iso(ticks)
        self.store.put_task(job["id"], task)
        self.runs.used[node["id"]] = self.runs.used.get(node["id"], 0) + slots
        node["runningTasksCount"] += 1
        node["runningTaskSlotsCount"] += slots
        set_state(node, "running", ticks)
        self.store.put_node(pool["id"], node)
        self.runs.launch(Attempt(job["id"], task["id"], pool["id"], node["id"], slots))

    # Restart
    def _reset_nodes(self) -> None:
        """Nodes come back idle; the tasks adopted below count themselves in again, and start
        tasks that had not ended are adopted (or run again if their host is gone)."""
        ticks = self.store.ticks()
        for pool in self.store.list_pools():
            for node in self.store.list_nodes(pool["id"]):
                node["runningTasksCount"] = node["runningTaskSlotsCount"] = 0
                if node["state"] == "running":
                    set_state(node, ready_state(node), ticks)
                self.store.put_node(pool["id"], node)
                info = node.get("startTaskInfo") or {}
                if node["state"] == "starting" or info.get("state") == "running":
                    self._starts.begin(pool["id"], node["id"])

    def _recover(self) -> None:
        """Adopt or collect every task that was running when the server last stopped."""
        with self.lock:
            self._reset_nodes()
            for state in ("preparing", "running"):
                for job_id, task in self.store.states_of(state):
                    node_info = task.get("nodeInfo") or {}
                    pool_id, node = node_info.get("poolId"), node_info.get("nodeId")
                    nodes = {n["id"] for n in self.store.list_nodes(pool_id)} if pool_id else set()
                    attempt = Attempt(
                        job_id,
                        task["id"],
                        str(pool_id),
                        str(node),
                        int(task.get("requiredSlots", 1)),
                    )
                    if node not in nodes:
                        self.runs.requeue(attempt)
                        continue
                    self.runs.used[attempt.node_id] = (
                        self.runs.used.get(attempt.node_id, 0) + attempt.slots
                    )
                    self.runs.count_on_node(attempt)
                    log.info("resuming task %s/%s after a restart", job_id, task["id"])
                    self.runs.launch(attempt)
