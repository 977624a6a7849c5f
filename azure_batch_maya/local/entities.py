"""Pure functions that turn request bodies into the entities the service returns.

Each entity is the JSON the service would send (minus `odata.metadata`), with the service's
defaults filled in, so GET is a projection of what is stored. `base` is the account URL.
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from azure_batch_maya.local.autoscale.settings import pool_fields as autoscale_fields
from azure_batch_maya.local.dependencies import check_task_body
from azure_batch_maya.local.errors import (
    BatchServiceError,
    invalid_property,
    missing_property,
)
from azure_batch_maya.local.formats import (
    UNLIMITED_DURATION,
    etag,
    iso,
    normalise_duration,
)

Doc = dict[str, Any]

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_AUTO_USER = {"autoUser": {"scope": "pool", "elevationLevel": "nonadmin"}}
_UPLOAD_CONDITIONS = {
    "tasksuccess": "TaskSuccess",
    "taskfailure": "TaskFailure",
    "taskcompletion": "TaskCompletion",
}
NODE_AGENT_VERSION = "local-1.0"


def check_id(value: object, name: str = "id") -> str:
    """Ids are 1–64 letters, digits, hyphens and underscores, as the service requires."""
    if value is None or value == "":
        raise missing_property(name)
    if not isinstance(value, str) or not _ID.match(value):
        raise invalid_property(
            name, value, "The id can contain letters, digits, hyphens and underscores (1-64)."
        )
    return value


def touch(doc: Doc, ticks: int) -> None:
    """Record a change: new ETag and lastModified."""
    doc["eTag"] = etag(ticks)
    doc["lastModified"] = iso(ticks)


def set_state(doc: Doc, state: str, ticks: int, *, key: str = "state") -> None:
    """Move a pool or node to `state` (or its `allocationState`, with `key`): the service
    keeps no previous state for them (its recorded pools and nodes have none)."""
    if doc.get(key) == state:
        return
    # Written by versions of the local pool that kept one: gone with the next change.
    doc.pop("previousState", None)
    doc.pop("previousStateTransitionTime", None)
    doc[key] = state
    doc[f"{key}TransitionTime"] = iso(ticks)


def transition(doc: Doc, state: str, ticks: int, *, key: str = "state") -> None:
    """Move a job or task to `state`, keeping the previous state as the service does."""
    if doc.get(key) == state:
        return
    if key == "state" and "state" in doc and "previousState" not in doc:
        # The service lists the previous state right after the current one.
        items = list(doc.items())
        at = next(i for i, (name, _) in enumerate(items) if name == "stateTransitionTime") + 1
        items[at:at] = [("previousState", None), ("previousStateTransitionTime", None)]
        doc.clear()
        doc.update(items)
    if key == "state" and "state" in doc:
        doc["previousState"] = doc["state"]
        doc["previousStateTransitionTime"] = doc["stateTransitionTime"]
    doc[key] = state
    doc[f"{key}TransitionTime"] = iso(ticks)


def put_before(doc: Doc, key: str, value: Any, before: str) -> None:
    """Set `doc[key]`; a new key goes before `before`, in the service's property order."""
    if key in doc or before not in doc:
        doc[key] = value
        return
    items = list(doc.items())
    at = next(i for i, (name, _) in enumerate(items) if name == before)
    items.insert(at, (key, value))
    doc.clear()
    doc.update(items)


def _ordered(head: Doc, body: Doc) -> Doc:
    merged = dict(head)
    for key, value in body.items():
        merged.setdefault(key, value)
    return merged


def _normalise_durations(doc: Doc, *names: str) -> None:
    for name in names:
        if isinstance(doc.get(name), str):
            try:
                doc[name] = normalise_duration(doc[name])
            except ValueError:
                raise invalid_property(name, doc[name], "The value is not a duration.") from None


def new_pool(body: Doc, base: str, ticks: int) -> Doc:
    """A pool as the service stores it after `POST /pools`: active, resizing."""
    pool_id = check_id(body.get("id"))
    if not body.get("vmSize"):
        raise missing_property("vmSize")
    for name in ("targetDedicatedNodes", "targetLowPriorityNodes", "taskSlotsPerNode"):
        value = body.get(name, 0)
        if not isinstance(value, int) or value < 0:
            raise invalid_property(name, value, "The value must be a non-negative integer.")
    stamp = iso(ticks)
    rest = copy.deepcopy(body)
    vm = rest.get("virtualMachineConfiguration")
    if isinstance(vm, dict) and isinstance(vm.get("imageReference"), dict):
        image = vm["imageReference"]
        if "publisher" in image:
            image.setdefault("version", "latest")
    policy = rest.get("taskSchedulingPolicy") or {}
    fill = str(policy.get("nodeFillType", "spread"))
    rest["taskSchedulingPolicy"] = {
        "nodeFillType": fill[:1].upper() + fill[1:].lower(),
        "jobDefaultOrder": policy.get("jobDefaultOrder", "none"),
    }
    pool = _ordered(
        {
            "id": pool_id,
            "url": f"{base}/pools/{pool_id}",
            "eTag": etag(ticks),
            "lastModified": stamp,
            "creationTime": stamp,
            "state": "active",
            "stateTransitionTime": stamp,
            "allocationState": "resizing",
            "allocationStateTransitionTime": stamp,
            "vmSize": rest.pop("vmSize"),
            "resizeTimeout": normalise_duration(rest.pop("resizeTimeout", "PT15M")),
            "currentDedicatedNodes": 0,
            "targetDedicatedNodes": rest.pop("targetDedicatedNodes", 0),
            "currentLowPriorityNodes": 0,
            "targetLowPriorityNodes": rest.pop("targetLowPriorityNodes", 0),
            **autoscale_fields(rest),
            "enableInterNodeCommunication": bool(rest.pop("enableInterNodeCommunication", False)),
        },
        {
            # The service's order: accounts and start task, slots and policy, then the image.
            **{k: rest.pop(k) for k in ("startTask", "userAccounts", "metadata") if k in rest},
            "taskSlotsPerNode": rest.pop("taskSlotsPerNode", 1),
            "taskSchedulingPolicy": rest.pop("taskSchedulingPolicy"),
            **rest,
        },
    )
    for account in pool.get("userAccounts") or []:
        account.pop("password", None)  # the service never returns it
        account.setdefault("elevationLevel", "nonadmin")
    if isinstance(pool.get("startTask"), dict):
        pool["startTask"] = start_task(pool["startTask"])
    return pool


def start_task(body: Doc) -> Doc:
    """A pool's start task with the service's defaults (no retries, wait for success)."""
    return _task_defaults(body, start_task=True)


def node_id(pool_id: str, index: int, dedicated: bool) -> str:
    """Stable, service-shaped node ids: `tvmps_<sha256>_d` (dedicated) or `_p` (Spot)."""
    digest = hashlib.sha256(f"{pool_id}/{index}/{dedicated}".encode()).hexdigest()
    return f"tvmps_{digest}_{'d' if dedicated else 'p'}"


def new_node(pool: Doc, index: int, dedicated: bool, base: str, ticks: int) -> Doc:
    """A node of a local pool: one slot group on this machine, idle once allocated (or
    starting, when the pool has a start task)."""
    identifier = node_id(pool["id"], index, dedicated)
    stamp = iso(ticks)
    vm = pool.get("virtualMachineConfiguration") or {}
    checked = bool(pool.get("startTask") or vm.get("containerConfiguration"))
    node: Doc = {
        "id": identifier,
        "url": f"{base}/pools/{pool['id']}/nodes/{identifier}",
        # A node with a start task or containers is `starting` until checked (see `startup`).
        "state": "starting" if checked else "idle",
        "schedulingState": "enabled",
        "stateTransitionTime": stamp,
        "lastBootTime": stamp,
        "allocationTime": stamp,
        "ipAddress": "127.0.0.1",
        "affinityId": f"TVM:{identifier}",
        "vmSize": pool["vmSize"],
        "totalTasksRun": 0,
        "totalTasksSucceeded": 0,
        "runningTasksCount": 0,
        "runningTaskSlotsCount": 0,
        "isDedicated": dedicated,
        "nodeAgentInfo": {"version": NODE_AGENT_VERSION, "lastUpdateTime": stamp},
    }
    if isinstance(vm.get("imageReference"), dict):
        image = dict(vm["imageReference"])
        if "version" in image:
            image["exactVersion"] = image["version"]
        node["virtualMachineInfo"] = {"imageReference": image}
    return node


def task_constraints(given: Doc, retries: int = 0) -> Doc:
    """A task's constraints with the service's defaults and normalised durations."""
    constraints = dict(given)
    _normalise_durations(constraints, "maxWallClockTime", "retentionTime")
    return {
        "maxWallClockTime": constraints.get("maxWallClockTime", UNLIMITED_DURATION),
        "retentionTime": constraints.get("retentionTime", "P7D"),
        "maxTaskRetryCount": constraints.get("maxTaskRetryCount", retries),
    }


def _task_defaults(body: Doc, *, start_task: bool = False, retries: int = 0) -> Doc:
    task = copy.deepcopy(body)
    if not task.get("commandLine"):
        raise missing_property("commandLine")
    task.setdefault("userIdentity", copy.deepcopy(_AUTO_USER))
    for pair in task.get("environmentSettings") or []:
        if not isinstance(pair, dict) or not pair.get("name"):
            raise invalid_property("environmentSettings", pair, "Each setting needs a name.")
    if start_task:
        task.setdefault("maxTaskRetryCount", 0)
        task.setdefault("waitForSuccess", True)
        return task
    task["constraints"] = task_constraints(task.get("constraints") or {}, retries)
    for output in task.get("outputFiles") or []:
        options = output.setdefault("uploadOptions", {})
        condition = str(options.get("uploadCondition", "taskCompletion")).lower()
        if condition not in _UPLOAD_CONDITIONS:
            raise invalid_property("uploadCondition", condition, "Unknown upload condition.")
        options["uploadCondition"] = _UPLOAD_CONDITIONS[condition]
    return task


def new_job(body: Doc, base: str, ticks: int) -> Doc:
    """A job as the service stores it after `POST /jobs`: active, with its defaults."""
    job_id = check_id(body.get("id"))
    pool_info = body.get("poolInfo")
    if not isinstance(pool_info, dict) or not (
        pool_info.get("poolId") or pool_info.get("autoPoolSpecification")
    ):
        raise missing_property("poolInfo")
    stamp = iso(ticks)
    rest = copy.deepcopy(body)
    constraints = dict(rest.pop("constraints", None) or {})
    _normalise_durations(constraints, "maxWallClockTime")
    job = _ordered(
        {
            "id": job_id,
            "url": f"{base}/jobs/{job_id}",
            "eTag": etag(ticks),
            "lastModified": stamp,
            "creationTime": stamp,
            "state": "active",
            "stateTransitionTime": stamp,
            "priority": rest.pop("priority", 0),
            "maxParallelTasks": rest.pop("maxParallelTasks", -1),
            "usesTaskDependencies": bool(rest.pop("usesTaskDependencies", False)),
            "allowTaskPreemption": bool(rest.pop("allowTaskPreemption", False)),
            "constraints": {
                "maxWallClockTime": constraints.get("maxWallClockTime", UNLIMITED_DURATION),
                "maxTaskRetryCount": constraints.get("maxTaskRetryCount", 0),
            },
        },
        rest,
    )
    if isinstance(job.get("jobPreparationTask"), dict):
        prep = _task_defaults(job["jobPreparationTask"])
        prep.setdefault("id", "jobpreparation")
        prep.setdefault("waitForSuccess", True)
        prep.setdefault("rerunOnNodeRebootAfterSuccess", True)
        job["jobPreparationTask"] = _ordered({"id": prep.pop("id")}, prep)
    if isinstance(job.get("jobReleaseTask"), dict):
        release = copy.deepcopy(job["jobReleaseTask"])
        release.setdefault("maxWallClockTime", "PT15M")
        release.setdefault("retentionTime", "P7D")
        release.setdefault("userIdentity", copy.deepcopy(_AUTO_USER))
        job["jobReleaseTask"] = _ordered({"id": release.pop("id", "jobrelease")}, release)
    auto = job["poolInfo"].get("autoPoolSpecification")
    if isinstance(auto, dict):
        auto.setdefault("keepAlive", False)
        spec = auto.get("pool") or {}
        if not spec.get("vmSize"):
            raise missing_property("vmSize")
    job["executionInfo"] = {"startTime": stamp}
    if job["poolInfo"].get("poolId"):
        job["executionInfo"]["poolId"] = job["poolInfo"]["poolId"]
    job.setdefault("onAllTasksComplete", "noaction")
    job.setdefault("onTaskFailure", "noaction")
    return job


def auto_pool_body(job: Doc, generated: str) -> Doc:
    """The `POST /pools` body of a job's auto pool; its id is `<prefix>_<GUID>` or the GUID."""
    spec = job["poolInfo"]["autoPoolSpecification"]
    prefix = spec.get("autoPoolIdPrefix")
    body = copy.deepcopy(spec.get("pool") or {})
    body["id"] = f"{prefix}_{generated}" if prefix else generated
    return body


def new_task(body: Doc, job: Doc, base: str, ticks: int) -> Doc:
    """A task as the service stores it after it is added: active, not yet run."""
    task_id = check_id(body.get("id"))
    if body.get("multiInstanceSettings"):
        raise BatchServiceError(
            "UnsupportedOperation", "Multi-instance tasks are not supported by the local pool."
        )
    check_task_body(body, job)
    stamp = iso(ticks)
    rest = _task_defaults(body, retries=job["constraints"]["maxTaskRetryCount"])
    rest.pop("id")
    task = _ordered(
        {
            "id": task_id,
            "url": f"{base}/jobs/{job['id']}/tasks/{task_id}",
            "eTag": etag(ticks),
            "creationTime": stamp,
            "lastModified": stamp,
            "state": "active",
            "stateTransitionTime": stamp,
        },
        rest,
    )
    task.setdefault("requiredSlots", 1)
    if not isinstance(task["requiredSlots"], int) or task["requiredSlots"] < 1:
        raise invalid_property("requiredSlots", task["requiredSlots"], "At least 1 slot.")
    task["executionInfo"] = {"retryCount": 0, "requeueCount": 0}
    return task


def patch(doc: Doc, body: Doc, allowed: tuple[str, ...]) -> None:
    """Apply a PATCH: only the listed properties change, absent ones are kept."""
    for key in allowed:
        if key in body:
            doc[key] = copy.deepcopy(body[key])
