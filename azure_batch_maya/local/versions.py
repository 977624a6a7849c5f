"""The Batch REST API versions the local pool knows, and the shapes that changed between them.

Every request names its `api-version`. The service refuses a value it does not know with
`InvalidQueryParameterValue` (seen live: Azure/azure-sdk-for-python#19224) and a version it no
longer serves with `UnsupportedRequestVersion` (learn.microsoft.com, "Batch status and error
codes"); the local pool does the same. The one change of shape inside the versions served is
task slots (2020-09-01.12.0): before it, a pool had `maxTasksPerNode`, tasks had no
`requiredSlots`, nodes no `runningTaskSlotsCount`, and a job's task counts were one flat object.
Before 2025-06-01 (the first version made from TypeSpec) a file's `contentLength` was a JSON
number; since, it is a string, as the live service sends it (spec examples FileListFromTask
2024-07-01.20.0 and Nodes_ListNodeFiles 2025-06-01; recording python/files).
The state is stored in the newest shape; older versions are translated on the way in and out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from azure_batch_maya.local.errors import BatchServiceError, invalid_query, unsupported_property

Doc = dict[str, Any]

# Every stable data-plane version, oldest first (azure-rest-api-specs, specification/batch).
KNOWN = (
    "2015-12-01.2.2",
    "2016-02-01.3.0",
    "2016-07-01.3.1",
    "2017-01-01.4.0",
    "2017-05-01.5.0",
    "2017-06-01.5.1",
    "2017-09-01.6.0",
    "2018-03-01.6.1",
    "2018-08-01.7.0",
    "2018-12-01.8.0",
    "2019-06-01.9.0",
    "2019-08-01.10.0",
    "2020-03-01.11.0",
    "2020-09-01.12.0",
    "2021-06-01.14.0",
    "2022-01-01.15.0",
    "2022-10-01.16.0",
    "2023-05-01.17.0",
    "2023-11-01.18.0",
    "2024-02-01.19.0",
    "2024-07-01.20.0",
    "2025-06-01",
)
# 2020-03-01.11.0 is what the last Node.js `azure-batch` (9.0.0) sends; older ones are refused.
OLDEST_SERVED = "2020-03-01.11.0"
TASK_SLOTS_SINCE = "2020-09-01.12.0"
LENGTH_AS_STRING_SINCE = "2025-06-01"
NEWEST = KNOWN[-1]

_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}(\.\d+\.\d+)?$")
_SLOTS_ONLY = ("taskSlotsPerNode", "requiredSlots")
_COUNTS = ("active", "running", "completed", "succeeded", "failed")


@dataclass(frozen=True)
class ApiVersion:
    """One served version and the shapes it reads: `task_slots` is False before slots replaced
    `maxTasksPerNode`; `length_as_string` is False while file lengths were numbers."""

    name: str
    task_slots: bool
    length_as_string: bool = True

    @property
    def newest_shapes(self) -> bool:
        return self.task_slots and self.length_as_string


def api_version(value: str | None) -> ApiVersion:
    """The version a request asked for, or the service's 400 when it is missing or not served."""
    if not value:
        raise BatchServiceError(
            "MissingRequiredQueryParameter",
            "A query parameter that's mandatory for this request is not specified.",
            values={"QueryParameterName": "api-version"},
        )
    if value not in KNOWN:
        reason = "is not a known Batch api-version" if _FORMAT.match(value) else "is malformed"
        raise invalid_query("api-version", value, f"{value!r} {reason}; the newest is {NEWEST}.")
    if KNOWN.index(value) < KNOWN.index(OLDEST_SERVED):
        raise BatchServiceError(
            "UnsupportedRequestVersion",
            f"The specified request version is not supported. The local pool serves"
            f" api-version {OLDEST_SERVED} to {NEWEST}; use a newer client library.",
            values={"QueryParameterName": "api-version", "QueryParameterValue": value},
        )
    index = KNOWN.index(value)
    return ApiVersion(
        value,
        task_slots=index >= KNOWN.index(TASK_SLOTS_SINCE),
        length_as_string=index >= KNOWN.index(LENGTH_AS_STRING_SINCE),
    )


def request_body(body: Doc, version: ApiVersion) -> Doc:
    """A request body in the stored (newest) shape: older pools' `maxTasksPerNode` renamed.

    A property of the other side of the change is refused, naming the version that has it.
    """
    for path, holder in _objects(body):
        if version.task_slots:
            if "maxTasksPerNode" in holder:
                raise unsupported_property(
                    path + "maxTasksPerNode",
                    f"maxTasksPerNode was replaced by taskSlotsPerNode in api-version"
                    f" {TASK_SLOTS_SINCE}.",
                )
            continue
        for name in _SLOTS_ONLY:
            if name in holder:
                raise unsupported_property(
                    path + name,
                    f"{name} needs api-version {TASK_SLOTS_SINCE} or later;"
                    f" this request uses {version.name}.",
                )
        _rename(holder, "maxTasksPerNode", "taskSlotsPerNode")
    return body


def request_query(query: dict[str, str], version: ApiVersion) -> dict[str, str]:
    """The query with an older version's `maxTasksPerNode` in `$select`/`$filter` renamed."""
    if version.task_slots:
        return query
    renamed = dict(query)
    for name in ("$select", "$filter"):
        if name in renamed:
            renamed[name] = re.sub(r"\bmaxTasksPerNode\b", "taskSlotsPerNode", renamed[name])
    return renamed


def response_body(body: Any, version: ApiVersion) -> Any:
    """A response body in the shape of `version`: stored entities are in the newest shape."""
    if version.newest_shapes or not isinstance(body, dict):
        return body
    metadata = str(body.get("odata.metadata", ""))
    if not version.length_as_string and metadata.endswith("#files"):
        for item in body.get("value", []):
            properties = item.get("properties") or {}
            if isinstance(properties.get("contentLength"), str):
                properties["contentLength"] = int(properties["contentLength"])
    if version.task_slots:
        return body
    if metadata.endswith("#taskcountsresult/@Element"):
        flat = {"odata.metadata": metadata.replace("taskcountsresult", "taskcounts")}
        flat.update({name: body["taskCounts"][name] for name in _COUNTS})
        return flat
    for _, holder in _objects(body):
        _rename(holder, "taskSlotsPerNode", "maxTasksPerNode")
        holder.pop("requiredSlots", None)
        holder.pop("runningTaskSlotsCount", None)
    return body


def _objects(doc: Any, path: str = "") -> list[tuple[str, Doc]]:
    """Every JSON object in `doc` with its dotted path prefix (`poolInfo.…pool.`)."""
    found: list[tuple[str, Doc]] = []
    if isinstance(doc, dict):
        found.append((path, doc))
        for key, value in doc.items():
            found.extend(_objects(value, f"{path}{key}."))
    elif isinstance(doc, list):
        for item in doc:
            found.extend(_objects(item, path))
    return found


def _rename(holder: Doc, old: str, new: str) -> None:
    """Rename a property in place, keeping its position (the service's property order)."""
    if old in holder:
        items = [(new if key == old else key, value) for key, value in holder.items()]
        holder.clear()
        holder.update(items)
