"""Node actions: reboot, disable and enable scheduling, and removing nodes from a pool.

Each checks the node's state as the service does, then hands the change to the engine, which
owns the tasks running there. Replies carry `DataServiceId` only, as the recorded ones do.
"""

from __future__ import annotations

from typing import Any

from azure_batch_maya.local import rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.errors import BatchServiceError, invalid_property, missing_property
from azure_batch_maya.local.formats import normalise_duration
from azure_batch_maya.local.rest import Reply

Doc = dict[str, Any]
REBOOT_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")
DISABLE_OPTIONS = ("requeue", "terminate", "taskcompletion")
MAX_NODES_PER_REMOVAL = 100
# Why a node in this state cannot be rebooted now.
_BUSY_STATES = {
    "creating": "NodeBeingCreated",
    "starting": "NodeBeingStarted",
    "waitingforstarttask": "NodeBeingStarted",
    "rebooting": "NodeBeingRebooted",
    "reimaging": "NodeBeingReimaged",
}


def _option(body: Doc, name: str, allowed: tuple[str, ...]) -> str:
    value = str(body.get(name) or "requeue").lower()
    if value not in allowed:
        raise invalid_property(name, body.get(name), f"Use one of: {', '.join(allowed)}.")
    return value


class NodeOperations(Operations):
    """What a client may do to the nodes of a pool."""

    ROUTES = (
        ("POST", "/pools/([^/]+)/nodes/([^/]+)/reboot", "reboot_node"),
        ("POST", "/pools/([^/]+)/nodes/([^/]+)/disablescheduling", "disable_scheduling"),
        ("POST", "/pools/([^/]+)/nodes/([^/]+)/enablescheduling", "enable_scheduling"),
        ("POST", "/pools/([^/]+)/removenodes", "remove_nodes"),
    )

    def _node(self, pool: Doc, node_id: str) -> Doc:
        for node in self.store.list_nodes(pool["id"]):
            if node["id"] == node_id:
                return node
        raise BatchServiceError("NodeNotFound")

    def reboot_node(self, request: Request, parts: tuple[str, ...]) -> Reply:
        option = _option(request.json(), "nodeRebootOption", REBOOT_OPTIONS)
        with self.engine.lock:
            pool = self._pool(parts[0])
            node = self._node(pool, parts[1])
            if node["state"] in _BUSY_STATES:
                raise BatchServiceError(_BUSY_STATES[node["state"]])
            if node["state"] == "leavingpool" or pool["state"] == "deleting":
                raise BatchServiceError("OperationNotValidOnNode")
            self.engine.reboot_node(pool, node, option)
        return rest.action(202, f"{node['url']}/reboot")

    def disable_scheduling(self, request: Request, parts: tuple[str, ...]) -> Reply:
        option = _option(request.json(), "nodeDisableSchedulingOption", DISABLE_OPTIONS)
        with self.engine.lock:
            pool = self._pool(parts[0])
            node = self._node(pool, parts[1])
            if node["schedulingState"] == "disabled":
                raise BatchServiceError("NodeAlreadyInTargetSchedulingState")
            if node["state"] == "leavingpool":
                raise BatchServiceError("OperationNotValidOnNode")
            self.engine.disable_scheduling(pool, node, option)
        return rest.action(200, f"{node['url']}/disablescheduling")

    def enable_scheduling(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0])
            node = self._node(pool, parts[1])
            if node["schedulingState"] == "enabled":
                raise BatchServiceError("NodeAlreadyInTargetSchedulingState")
            self.engine.enable_scheduling(pool, node)
        return rest.action(200, f"{node['url']}/enablescheduling")

    def remove_nodes(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        node_ids = body.get("nodeList")
        if not node_ids:
            raise missing_property("nodeList")
        if not isinstance(node_ids, list) or not all(isinstance(n, str) for n in node_ids):
            raise invalid_property("nodeList", node_ids, "A list of node ids.")
        if len(node_ids) > MAX_NODES_PER_REMOVAL:
            raise invalid_property(
                "nodeList", len(node_ids), f"At most {MAX_NODES_PER_REMOVAL} nodes per request."
            )
        if "resizeTimeout" in body:
            try:
                normalise_duration(str(body["resizeTimeout"]))
            except ValueError:
                raise invalid_property(
                    "resizeTimeout", body["resizeTimeout"], "The value is not a duration."
                ) from None
        option = _option(
            body,
            "nodeDeallocationOption",
            ("requeue", "terminate", "taskcompletion", "retaineddata"),
        )
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            if pool["allocationState"] != "steady":
                raise BatchServiceError(
                    "PoolNotSteady", "The specified pool is not in a steady state.", status=409
                )
            for node_id in node_ids:
                self._node(pool, node_id)
            self.engine.remove_nodes(pool, list(node_ids), option)
        return rest.action(202, f"{pool['url']}/removenodes", pool)
