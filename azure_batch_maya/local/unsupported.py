"""What the local pool does not implement: the one table of properties and of operations.

A property here is refused with the service's `UnsupportedProperty` (400) naming it, rather
than stored and echoed back as if it had been applied. An operation here answers 400
`OperationNotSupportedByLocalPool` naming it, not the `InvalidUri` 404 of a path Batch does not
have: the request is valid Batch, this service just cannot do it. 400 like the service's other
`Unsupported*` codes, never retried by the SDKs; 409 would read as "already exists" in
azure-core, and a 5xx would be retried.

When you implement one, delete its entry: nothing else refers to it. A property being worked
on (start tasks, autoscale, task dependencies, containers) is left out, so it is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from azure_batch_maya.local.errors import BatchServiceError, unsupported_property

Doc = dict[str, Any]

_NAMED_USERS = "tasks run as you on this machine; no named user accounts are made"
_VM = "local nodes are folders on this machine, not virtual machines"

# Dotted paths into a pool body (also an auto-pool's `pool`), with why each is refused.
POOL_PROPERTIES: Mapping[str, str] = {
    "applicationLicenses": "no licensed applications are provided here",
    "applicationPackageReferences": "there are no application packages on this machine",
    "certificateReferences": "certificates are not installed on local nodes",
    "cloudServiceConfiguration": "use virtualMachineConfiguration (any image is accepted)",
    "identity": "local nodes have no managed identity",
    "mountConfiguration": "nothing is mounted on local nodes",
    "networkConfiguration": "local nodes use this machine's network: no subnet, IP or endpoint",
    "resourceTags": "there are no Azure resources to tag",
    "upgradePolicy": f"{_VM}; there is no OS to upgrade",
    "userAccounts": _NAMED_USERS,
    "startTask.userIdentity.userName": _NAMED_USERS,
    "startTask.userIdentity.username": _NAMED_USERS,  # the REST name azure-batch 15 sends
    "virtualMachineConfiguration.dataDisks": f"{_VM}; no disks are attached",
    "virtualMachineConfiguration.diskEncryptionConfiguration": _VM,
    "virtualMachineConfiguration.extensions": f"{_VM}; no VM extensions are installed",
    "virtualMachineConfiguration.licenseType": _VM,
    "virtualMachineConfiguration.nodePlacementConfiguration": _VM,
    "virtualMachineConfiguration.osDisk": _VM,
    "virtualMachineConfiguration.securityProfile": _VM,
    "virtualMachineConfiguration.serviceArtifactReference": _VM,
}
# What a pool's PATCH may carry but the local pool does not change on an existing pool.
POOL_UPDATE_PROPERTIES: Mapping[str, str] = {
    name: "only startTask, metadata and targetNodeCommunicationMode of a pool change here"
    for name in (
        "displayName",
        "vmSize",
        "enableInterNodeCommunication",
        "virtualMachineConfiguration",
        "taskSlotsPerNode",
        "taskSchedulingPolicy",
    )
}
JOB_PROPERTIES: Mapping[str, str] = {
    "allowTaskPreemption": "a job of higher priority does not preempt running tasks here",
    "jobManagerTask": "job manager tasks are not run; add the job's tasks yourself",
    "networkConfiguration": "local nodes use this machine's network: no subnet",
    "jobPreparationTask.userIdentity.userName": _NAMED_USERS,
    "jobPreparationTask.userIdentity.username": _NAMED_USERS,
    "jobReleaseTask.userIdentity.userName": _NAMED_USERS,
    "jobReleaseTask.userIdentity.username": _NAMED_USERS,
}
TASK_PROPERTIES: Mapping[str, str] = {
    "applicationPackageReferences": "there are no application packages on this machine",
    "authenticationTokenSettings": "no Batch authentication token is made for tasks",
    "multiInstanceSettings": "multi-instance (MPI) tasks are not run",
    "userIdentity.userName": _NAMED_USERS,
    "userIdentity.username": _NAMED_USERS,
}
_AUTO_POOL = "poolInfo.autoPoolSpecification.pool."
# Operation (the handler's name in the route tables) → the tables that apply, at a prefix.
BY_OPERATION: Mapping[str, tuple[tuple[str, Mapping[str, str]], ...]] = {
    "create_pool": (("", POOL_PROPERTIES),),
    "update_pool": (("", POOL_PROPERTIES), ("", POOL_UPDATE_PROPERTIES)),
    "replace_pool_properties": (("", POOL_PROPERTIES), ("", POOL_UPDATE_PROPERTIES)),
    "create_job": (("", JOB_PROPERTIES), (_AUTO_POOL, POOL_PROPERTIES)),
    "update_job": (("", JOB_PROPERTIES), (_AUTO_POOL, POOL_PROPERTIES)),
    "replace_job": (("", JOB_PROPERTIES), (_AUTO_POOL, POOL_PROPERTIES)),
    "create_task": (("", TASK_PROPERTIES),),
    "create_task_collection": (("value.", TASK_PROPERTIES),),
}

_ID = "[^/]+"
_NODE = f"/pools/{_ID}/nodes/{_ID}"
# Batch operations (method, path) the local pool does not do, and the name a user knows them by.
OPERATIONS: tuple[tuple[str, str, str], ...] = (
    ("POST", f"/pools/{_ID}/upgradeos", "upgrade a pool's OS"),
    ("GET", "/poolusagemetrics", "list pool usage metrics"),
    ("GET", "/lifetimepoolstats", "get lifetime pool statistics"),
    ("GET", "/lifetimejobstats", "get lifetime job statistics"),
    ("POST", f"{_NODE}/reimage", "reimage a node"),
    ("POST", f"{_NODE}/start", "start a node"),
    ("POST", f"{_NODE}/deallocate", "deallocate a node"),
    ("POST", f"{_NODE}/redeploy", "redeploy a node"),
    ("POST", f"{_NODE}/uploadbatchservicelogs", "upload Batch service logs"),
    ("GET", f"{_NODE}/remoteloginsettings", "get a node's remote login settings"),
    ("GET", f"{_NODE}/rdp", "get a node's remote desktop file"),
    ("POST", f"{_NODE}/users", "add a user to a node"),
    ("PUT", f"{_NODE}/users/{_ID}", "update a node user"),
    ("DELETE", f"{_NODE}/users/{_ID}", "delete a node user"),
    ("GET", f"{_NODE}/extensions", "list a node's extensions"),
    ("GET", f"{_NODE}/extensions/{_ID}", "get a node extension"),
    ("GET", f"/jobs/{_ID}/tasks/{_ID}/subtasksinfo", "list a multi-instance task's subtasks"),
    ("GET", "/applications", "list applications"),
    ("GET", f"/applications/{_ID}", "get an application"),
    ("GET", "/certificates", "list certificates"),
    ("POST", "/certificates", "add a certificate"),
    ("GET", f"/certificates\\({_ID}\\)", "get a certificate"),
    ("DELETE", f"/certificates\\({_ID}\\)", "delete a certificate"),
    ("POST", f"/certificates\\({_ID}\\)/canceldelete", "cancel a certificate deletion"),
    ("GET", "/jobschedules", "list job schedules"),
    ("POST", "/jobschedules", "create a job schedule"),
    ("GET", f"/jobschedules/{_ID}", "get a job schedule"),
    ("HEAD", f"/jobschedules/{_ID}", "check a job schedule exists"),
    ("PATCH", f"/jobschedules/{_ID}", "update a job schedule"),
    ("PUT", f"/jobschedules/{_ID}", "replace a job schedule"),
    ("DELETE", f"/jobschedules/{_ID}", "delete a job schedule"),
    ("POST", f"/jobschedules/{_ID}/disable", "disable a job schedule"),
    ("POST", f"/jobschedules/{_ID}/enable", "enable a job schedule"),
    ("POST", f"/jobschedules/{_ID}/terminate", "terminate a job schedule"),
    ("GET", f"/jobschedules/{_ID}/jobs", "list a job schedule's jobs"),
)
_COMPILED = tuple((method, re.compile(f"^{path}$"), name) for method, path, name in OPERATIONS)


def check_properties(operation: str, body: Doc) -> None:
    """Refuse the first property of `body` this operation's tables name, if any is set."""
    for prefix, table in BY_OPERATION.get(operation, ()):
        for path, reason in table.items():
            if _is_set(body, f"{prefix}{path}".split(".")):
                raise unsupported_property(
                    f"{prefix}{path}",
                    f"the local pool does not implement it ({reason}). Remove it, or use an"
                    " Azure Batch account.",
                )


def check_operation(method: str, path: str) -> None:
    """Refuse a Batch operation the local pool does not do, naming it; others pass."""
    for verb, pattern, name in _COMPILED:
        if verb == method and pattern.match(path):
            raise BatchServiceError(
                "OperationNotSupportedByLocalPool",
                f"The local pool does not support this operation: {name} ({method} {path})."
                " Use an Azure Batch account for it.",
                values={"Operation": name},
            )


def _is_set(doc: Any, steps: list[str]) -> bool:
    """Whether a property at `steps` holds something (null, false and empty count as unset)."""
    if isinstance(doc, list):
        return any(_is_set(item, steps) for item in doc)
    if not isinstance(doc, dict) or steps[0] not in doc:
        return False
    value = doc[steps[0]]
    if len(steps) > 1:
        return _is_set(value, steps[1:])
    return value not in (None, False, "", [], {})
