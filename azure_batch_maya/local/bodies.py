"""Request bodies as the service reads them: numbers and booleans may arrive as JSON strings.

The service's JSON reader takes `"targetDedicatedNodes": "2"` and `"waitForSuccess": "true"`
as the number and the boolean (the Azure CLI sends numbers that way), so the local pool does
too, and stores and returns numbers. `SCHEMAS` names, per operation, every integer and boolean
property of its body, nested objects and lists included; anything else is left as sent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeAlias

from azure_batch_maya.local.errors import invalid_property

Doc = dict[str, Any]
INT = "int"
BOOL = "bool"
# A property is INT, BOOL, an object (a nested schema) or a list of one kind: `[kind]`.
Kind: TypeAlias = "str | Mapping[str, Kind] | list[Kind]"
Schema = Mapping[str, Kind]

_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_INT32 = (-(2**31), 2**31 - 1)

CONSTRAINTS: Schema = {"maxTaskRetryCount": INT}
CONTAINER_SETTINGS: Schema = {"containerHostBatchBindMounts": [{"isReadOnly": BOOL}]}
START_TASK: Schema = {
    "maxTaskRetryCount": INT,
    "waitForSuccess": BOOL,
    "containerSettings": CONTAINER_SETTINGS,
}
TASK: Schema = {
    "requiredSlots": INT,
    "constraints": CONSTRAINTS,
    "containerSettings": CONTAINER_SETTINGS,
    "multiInstanceSettings": {"numberOfInstances": INT},
    "dependsOn": {"taskIdRanges": [{"start": INT, "end": INT}]},
    "exitConditions": {
        "exitCodes": [{"code": INT}],
        "exitCodeRanges": [{"start": INT, "end": INT}],
    },
}
POOL: Schema = {
    "targetDedicatedNodes": INT,
    "targetLowPriorityNodes": INT,
    "enableAutoScale": BOOL,
    "enableInterNodeCommunication": BOOL,
    "taskSlotsPerNode": INT,
    "maxTasksPerNode": INT,
    "startTask": START_TASK,
    "virtualMachineConfiguration": {
        "windowsConfiguration": {"enableAutomaticUpdates": BOOL},
        "dataDisks": [{"lun": INT, "diskSizeGB": INT}],
    },
    "networkConfiguration": {"enableAcceleratedNetworking": BOOL},
    "userAccounts": [{"linuxUserConfiguration": {"uid": INT, "gid": INT}}],
}
JOB_PREPARATION: Schema = {
    "constraints": CONSTRAINTS,
    "waitForSuccess": BOOL,
    "rerunOnNodeRebootAfterSuccess": BOOL,
    "containerSettings": CONTAINER_SETTINGS,
}
JOB: Schema = {
    "priority": INT,
    "maxParallelTasks": INT,
    "allowTaskPreemption": BOOL,
    "usesTaskDependencies": BOOL,
    "constraints": CONSTRAINTS,
    "jobManagerTask": {
        **TASK,
        "killJobTasks": BOOL,
        "runExclusive": BOOL,
        "allowLowPriorityNode": BOOL,
    },
    "jobPreparationTask": JOB_PREPARATION,
    "jobReleaseTask": {"containerSettings": CONTAINER_SETTINGS},
    "poolInfo": {"autoPoolSpecification": {"keepAlive": BOOL, "pool": POOL}},
}
RESIZE: Schema = {"targetDedicatedNodes": INT, "targetLowPriorityNodes": INT}

# Operation (the handler's name in the route tables) → the schema of its body.
SCHEMAS: Mapping[str, Schema] = {
    "create_pool": POOL,
    "update_pool": POOL,
    "replace_pool_properties": POOL,
    "resize_pool": RESIZE,
    "create_job": JOB,
    "update_job": JOB,
    "replace_job": JOB,
    "create_task": TASK,
    "create_task_collection": {"value": [TASK]},
    "replace_task": {"constraints": CONSTRAINTS},
}


def coerce(body: Any, schema: Schema, path: str = "") -> Any:
    """`body` with the schema's integers and booleans as numbers and booleans.

    Raises the service's `InvalidPropertyValue` naming a value that is neither.
    """
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for name, kind in schema.items():
        if out.get(name) is not None:
            out[name] = _value(out[name], kind, f"{path}{name}")
    return out


def _value(value: Any, kind: Kind, path: str) -> Any:
    if kind == INT:
        return _integer(value, path)
    if kind == BOOL:
        return _boolean(value, path)
    if isinstance(kind, list):
        if not isinstance(value, list):
            return value
        return [_value(item, kind[0], path) if item is not None else item for item in value]
    assert isinstance(kind, Mapping)
    return coerce(value, kind, f"{path}.")


def _integer(value: Any, path: str) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _INTEGER.match(value)
    ):
        number = int(value)
    if number is None or not _INT32[0] <= number <= _INT32[1]:
        raise invalid_property(
            path.rsplit(".", 1)[-1], value, f"{path} must be a whole number (32-bit)."
        )
    return number


def _boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_property(path.rsplit(".", 1)[-1], value, f"{path} must be true or false.")
