"""Pool and node operations: create, get, list, update, delete, resize, autoscale; nodes.

Autoscale (`enableautoscale`, `disableautoscale`, `evaluateautoscale`) checks the formula and
interval as the service does and hands the running to the engine's `autoscale` (see the
`autoscale` package).
"""

from __future__ import annotations

import copy
from typing import Any

from azure_batch_maya.local import entities, rest
from azure_batch_maya.local.autoscale import settings as autoscale
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.entities import set_state
from azure_batch_maya.local.errors import BatchServiceError, invalid_property, missing_property
from azure_batch_maya.local.rest import Reply

Doc = dict[str, Any]


class PoolOperations(Operations):
    """Pools and their nodes: nodes are this machine's slots."""

    ROUTES = (
        ("POST", "/pools", "create_pool"),
        ("GET", "/pools", "list_pools"),
        ("GET", "/pools/([^/]+)", "get_pool"),
        ("HEAD", "/pools/([^/]+)", "pool_exists"),
        ("PATCH", "/pools/([^/]+)", "update_pool"),
        ("DELETE", "/pools/([^/]+)", "delete_pool"),
        ("POST", "/pools/([^/]+)/resize", "resize_pool"),
        ("POST", "/pools/([^/]+)/stopresize", "stop_resize"),
        ("POST", "/pools/([^/]+)/updateproperties", "replace_pool_properties"),
        ("POST", "/pools/([^/]+)/enableautoscale", "enable_autoscale"),
        ("POST", "/pools/([^/]+)/disableautoscale", "disable_autoscale"),
        ("POST", "/pools/([^/]+)/evaluateautoscale", "evaluate_autoscale"),
        ("GET", "/pools/([^/]+)/nodes", "list_nodes"),
        ("GET", "/pools/([^/]+)/nodes/([^/]+)", "get_node"),
    )

    def create_pool(self, request: Request, _: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            existing = self.store.get_pool(str(body.get("id")))
            if existing is not None:
                deleting = existing["state"] == "deleting"
                raise BatchServiceError("PoolBeingDeleted" if deleting else "PoolExists")
            autoscale.check_pool_body(body, self.engine.autoscale.floor)
            pool = entities.new_pool(body, self.base, self.store.ticks())
            if pool["enableAutoScale"]:
                pool = self.engine.autoscale.run(pool, self.engine.resize_pool)
            self.store.put_pool(pool)
        self.engine.wake()
        return rest.created(pool["url"], pool)

    def list_pools(self, request: Request, _: tuple[str, ...]) -> Reply:
        return rest.list_reply(
            self.base, "pools", request.path, request.query, self.store.list_pools
        )

    def get_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(self.base, "pools", self._pool(parts[0], request), request.query)

    def pool_exists(self, request: Request, parts: tuple[str, ...]) -> Reply:
        reply = rest.entity_reply(self.base, "pools", self._pool(parts[0], request), request.query)
        return Reply(200, None, reply.headers, content=b"", length_framed=True)

    def update_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            entities.patch(pool, body, ("metadata", "startTask", "targetNodeCommunicationMode"))
            if isinstance(pool.get("startTask"), dict):
                # Nodes take it when they next join or reboot, as on Azure.
                pool["startTask"] = entities.start_task(pool["startTask"])
            entities.touch(pool, self.store.ticks())
            self.store.put_pool(pool)
        return rest.action(200, pool["url"], pool)

    def replace_pool_properties(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """Replace what a pool's PATCH changes: what is not sent goes back to its default."""
        body = request.json()
        # Older versions also require certificateReferences (refused here unless empty).
        for name in ("applicationPackageReferences", "metadata"):
            if not isinstance(body.get(name), list):
                raise missing_property(name)
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            for name in ("startTask", "metadata", "targetNodeCommunicationMode"):
                pool.pop(name, None)
                if body.get(name):
                    pool[name] = copy.deepcopy(body[name])
            if isinstance(pool.get("startTask"), dict):
                pool["startTask"] = entities.start_task(pool["startTask"])
            entities.touch(pool, self.store.ticks())
            self.store.put_pool(pool)
        return rest.action(204, f"{pool['url']}/updateproperties", pool)

    def delete_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            set_state(pool, "deleting", self.store.ticks())
            self.store.put_pool(pool)
        self.engine.wake()
        return Reply(202)

    def resize_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            if pool.get("enableAutoScale"):
                raise BatchServiceError(
                    "OperationInvalidForCurrentState",
                    "The pool has automatic scaling enabled, so it cannot be resized by hand;"
                    " disable autoscale first (POST /pools/{id}/disableautoscale).",
                    status=409,
                )
            if pool["allocationState"] != "steady":
                raise BatchServiceError(
                    "PoolNotSteady", "The specified pool is not in a steady state.", status=409
                )
            for name in ("targetDedicatedNodes", "targetLowPriorityNodes"):
                value = body.get(name, pool[name] if name in body else 0)
                if not isinstance(value, int) or value < 0:
                    raise invalid_property(name, value, "The value must be a non-negative integer.")
                pool[name] = value
            if "resizeTimeout" in body:
                pool["resizeTimeout"] = body["resizeTimeout"]
            deallocation = str(body.get("nodeDeallocationOption") or "requeue").lower()
            if deallocation not in ("requeue", "terminate", "taskcompletion", "retaineddata"):
                raise invalid_property("nodeDeallocationOption", deallocation, "Unknown option.")
            ticks = self.store.ticks()
            set_state(pool, "resizing", ticks, key="allocationState")
            entities.touch(pool, ticks)
            self.store.put_pool(pool)
            self.engine.resize_pool(pool, deallocation)
        return rest.action(202, f"{pool['url']}/resize", pool)

    def stop_resize(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["allocationState"] == "resizing":
                ticks = self.store.ticks()
                set_state(pool, "stopping", ticks, key="allocationState")
                entities.touch(pool, ticks)
                self.store.put_pool(pool)
        self.engine.wake()
        return rest.action(202, f"{pool['url']}/stopresize", pool)

    def enable_autoscale(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """Turn autoscale on, or change its formula or interval; the formula runs at once."""
        body = request.json()
        scaler = self.engine.autoscale
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            formula = body.get("autoScaleFormula")
            interval = body.get("autoScaleEvaluationInterval")
            # A new schedule starts now when autoscale comes on or the interval is given.
            reschedule = interval is not None or not pool.get("enableAutoScale")
            if pool.get("enableAutoScale"):
                if formula is None and interval is None:
                    raise missing_property("autoScaleFormula")
            elif pool["allocationState"] != "steady" and _still_allocating(pool):
                raise BatchServiceError(
                    "PoolBeingResized",
                    "The specified pool is being resized; enable autoscale once it is steady.",
                    status=409,
                )
            if formula is not None or not pool.get("enableAutoScale"):
                autoscale.compile_formula(formula)
            if interval is not None:
                interval = autoscale.check_interval(interval, scaler.floor)
            scaler.check_enable_spacing(pool["id"])
            pool = autoscale.enabled(
                pool,
                formula if formula is not None else pool["autoScaleFormula"],
                interval or pool.get("autoScaleEvaluationInterval") or autoscale.DEFAULT_INTERVAL,
            )
            entities.touch(pool, self.store.ticks())
            pool = scaler.run(pool, self.engine.resize_pool, reschedule=reschedule)
            self.store.put_pool(pool)
        self.engine.wake()
        return rest.action(200, f"{pool['url']}/enableautoscale", pool)

    def disable_autoscale(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """Turn autoscale off: the pool keeps its current targets and is resized by hand."""
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool.get("enableAutoScale"):
                pool = autoscale.disabled(pool)
                entities.touch(pool, self.store.ticks())
                self.store.put_pool(pool)
                self.engine.autoscale.stop(pool["id"])
        return rest.action(200, f"{pool['url']}/disableautoscale", pool)

    def evaluate_autoscale(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """Evaluate a formula on the pool's samples without applying it: an `AutoScaleRun`."""
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if not pool.get("enableAutoScale"):
                raise BatchServiceError(
                    "OperationInvalidForCurrentState",
                    "Automatic scaling is not enabled on the pool; enable it first (for"
                    " example with the formula $TargetDedicatedNodes = $CurrentDedicatedNodes;),"
                    " then evaluate.",
                    status=409,
                )
            formula = autoscale.compile_formula(body.get("autoScaleFormula"))
            run = self.engine.autoscale.evaluation(pool, formula)
        metadata = f"{self.base}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun"
        return Reply(
            200,
            {"odata.metadata": metadata, **run},
            {"DataServiceId": f"{pool['url']}/evaluateautoscale"},
        )

    def list_nodes(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._pool(parts[0])

        def fetch(start: str | None) -> list[Doc]:
            return [n for n in self.store.list_nodes(parts[0]) if n["id"] > (start or "")]

        return rest.list_reply(self.base, "nodes", request.path, request.query, fetch)

    def get_node(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._pool(parts[0])
        for node in self.store.list_nodes(parts[0]):
            if node["id"] == parts[1]:
                return rest.entity_reply(self.base, "nodes", node, request.query)
        raise BatchServiceError("NodeNotFound")


def _still_allocating(pool: Doc) -> bool:
    """A resize with nodes still to add or remove (a new empty pool has none: Microsoft's
    Python example creates a pool of 0 nodes and enables autoscale on it straight away)."""
    return (pool["currentDedicatedNodes"], pool["currentLowPriorityNodes"]) != (
        pool["targetDedicatedNodes"],
        pool["targetLowPriorityNodes"],
    )
