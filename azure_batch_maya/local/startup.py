"""Pool start tasks: run on each node as it joins the pool and after each reboot.

A start task runs in the node's `startup/` folder through hosts (`steps.NodeSteps.run`), so
a killed server adopts it or reads its result instead of running it again. Its runs are
recorded as the node's `startTaskInfo`; with `waitForSuccess` the node waits in
`waitingforstarttask` and ends `idle` or `starttaskfailed`, without it the node is usable at
once and the start task runs beside its tasks.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from azure_batch_maya.local import failures
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.containers import container_configuration, prepare_node
from azure_batch_maya.local.entities import put_before, set_state
from azure_batch_maya.local.formats import iso, parse_iso
from azure_batch_maya.local.layout import NodeLayout, start_host_dir
from azure_batch_maya.local.runner import HostSpec, environment, node_variables, request_stop
from azure_batch_maya.local.steps import NodeSteps, RetriedStep, StepRun, step_spec
from azure_batch_maya.local.store import Store

log = logging.getLogger(__name__)

Doc = dict[str, Any]
# States in which a node takes tasks.
USABLE = ("idle", "running")


def ready_state(node: Doc) -> str:
    """Where a node with nothing to do settles: `idle`, or `offline` if scheduling is off."""
    return "idle" if node.get("schedulingState", "enabled") == "enabled" else "offline"


class StartTasks(NodeSteps):
    """Runs and records the start task of each node, one thread per running start task."""

    def __init__(
        self, store: Store, config: PoolConfig, lock: threading.RLock, wake: Callable[[], None]
    ) -> None:
        super().__init__(store, config, lock, wake)
        self._threads: dict[str, threading.Thread] = {}
        self._hosts: dict[str, Path] = {}
        self._stopped: set[str] = set()
        self._shutdown = False

    def busy(self, node_id: str) -> bool:
        thread = self._threads.get(node_id)
        return thread is not None and thread.is_alive()

    def begin(self, pool_id: str, node_id: str) -> None:
        """Run (or, after a restart, adopt) the start task of the node's current boot."""
        if self.busy(node_id):
            return
        self._stopped.discard(node_id)
        thread = threading.Thread(
            target=self._drive, args=(pool_id, node_id), name=f"start-{node_id[-8:]}", daemon=True
        )
        self._threads[node_id] = thread
        thread.start()

    def stop(self, node_id: str) -> None:
        """End the node's start task now (reboot, removal); nothing more is recorded."""
        if self.busy(node_id):
            self._stopped.add(node_id)
            folder = self._hosts.get(node_id)
            if folder is not None:
                request_stop(folder)

    def shutdown(self, timeout: float) -> None:
        """Stop every start task; the next server start runs them again from the start."""
        self._shutdown = True
        for node_id in list(self._threads):
            self.stop(node_id)
        for thread in list(self._threads.values()):
            thread.join(timeout)

    def _node(self, pool_id: str, node_id: str) -> Doc | None:
        for node in self.store.list_nodes(pool_id):
            if node["id"] == node_id:
                return node
        return None

    def _drive(self, pool_id: str, node_id: str) -> None:
        try:
            self._drive_runs(pool_id, node_id)
        except Exception as error:
            log.exception("start task on node %s failed in the local pool", node_id)
            failure = failures.failure_info(
                "LocalPoolError",
                f"The local pool failed to run the start task: {error}",
                category="servererror",
            )
            with self.lock:
                node = self._node(pool_id, node_id) or {}
                retry = int((node.get("startTaskInfo") or {}).get("retryCount", 0))
                self._record(pool_id, node_id, None, StepRun(retry, failure=failure, done=True))
        finally:
            self.wake()

    def _drive_runs(self, pool_id: str, node_id: str) -> None:
        with self.lock:
            node = self._node(pool_id, node_id)
            pool = self.store.get_pool(pool_id)
            if node is None or pool is None:
                return
            spec: Doc = copy.deepcopy(node.get("startTask") or {})
            boot = parse_iso(node["lastBootTime"])
            info = node.get("startTaskInfo") or {}
            containers = container_configuration(pool)
            checking = containers is not None and node["state"] == "starting"
            retry = int(info.get("retryCount", 0))
        if checking and containers is not None:
            problem = prepare_node(containers)
            if problem is not None:
                with self.lock:
                    self._unusable(pool_id, node_id, boot, *problem)
                return
        if not spec or info.get("state") == "completed":
            with self.lock:
                self._settle(pool_id, node_id, boot)
            return
        layout = NodeLayout(self.config.data_dir, node_id)

        def folder(retry: int) -> Path:
            self._hosts[node_id] = start_host_dir(self.config.data_dir, node_id, boot, retry)
            return self._hosts[node_id]

        step = RetriedStep(
            folder=folder,
            spec=lambda: self._spec(spec, pool, pool_id, node_id, layout),
            record=lambda run: self._record(pool_id, node_id, boot, run),
            stopped=lambda: node_id in self._stopped or self._shutdown,
            max_retries=int(spec.get("maxTaskRetryCount", 0)),
        )
        self.run(step, retry)

    def _spec(
        self, spec: Doc, pool: Doc, pool_id: str, node_id: str, layout: NodeLayout
    ) -> HostSpec:
        startup = layout.startup
        variables = node_variables(self.config, pool_id, node_id, layout)
        variables.update(
            {
                "AZ_BATCH_TASK_DIR": str(startup),
                "AZ_BATCH_TASK_WORKING_DIR": str(startup / "wd"),
            }
        )
        env = environment(variables, spec.get("environmentSettings"))
        return step_spec(spec, startup, env, pool, layout.root, required=False)

    def _settle(self, pool_id: str, node_id: str, boot: int) -> None:
        """A node with nothing (more) to run before tasks: idle, or offline."""
        if node_id in self._stopped:
            return
        node = self._node(pool_id, node_id)
        if (
            node is not None
            and parse_iso(node["lastBootTime"]) == boot
            and node["state"] in ("starting", "waitingforstarttask")
        ):
            set_state(node, ready_state(node), self.store.ticks())
            self.store.put_node(pool_id, node)

    def _unusable(self, pool_id: str, node_id: str, boot: int, code: str, message: str) -> None:
        """A node this machine cannot give the pool (no container engine): `unusable`."""
        if node_id in self._stopped:
            return
        node = self._node(pool_id, node_id)
        if node is None or parse_iso(node["lastBootTime"]) != boot:
            return
        error = {"code": code, "message": message, "errorDetails": []}
        put_before(node, "errors", [error], "isDedicated")
        node["errors"] = [error]
        set_state(node, "unusable", self.store.ticks())
        self.store.put_node(pool_id, node)

    def _record(self, pool_id: str, node_id: str, boot: int | None, run: StepRun) -> bool:
        """Write one try of the start task to the node; False if the node moved on."""
        node = self._node(pool_id, node_id)
        if node is None or not node.get("startTask"):
            return False
        if boot is not None and parse_iso(node["lastBootTime"]) != boot:
            return False  # rebooted meanwhile: this run no longer counts
        ticks = self.store.ticks()
        previous: Doc = node.get("startTaskInfo") or {}
        retry, result, failure, done = run.retry, run.result, run.failure, run.done
        # startTime and lastRetryTime restart with each try, as the service's do.
        same_try = previous.get("state") == "running" and previous.get("retryCount") == retry
        info: Doc = {"state": "completed" if done else "running"}
        info["startTime"] = previous["startTime"] if same_try else iso(ticks)
        if result is not None:
            info["startTime"] = iso(result.start_ticks)
            info["endTime"] = iso(result.end_ticks)
            if result.exit_code is not None:
                info["exitCode"] = result.exit_code
        elif done:
            info["endTime"] = iso(ticks)
        if done and failure is not None:
            info["failureInfo"] = failure
        if done:
            info["result"] = "failure" if failure is not None else "success"
        info["retryCount"] = retry
        if retry:
            info["lastRetryTime"] = previous["lastRetryTime"] if same_try else iso(ticks)
        put_before(node, "startTaskInfo", info, "isDedicated")
        node["startTaskInfo"] = info
        wait = bool(node["startTask"].get("waitForSuccess", True))
        if wait and not done:
            set_state(node, "waitingforstarttask", ticks)
        elif wait and failure is not None:
            set_state(node, "starttaskfailed", ticks)
        elif node["state"] in ("starting", "waitingforstarttask"):
            set_state(node, ready_state(node), ticks)
        self.store.put_node(pool_id, node)
        return True
