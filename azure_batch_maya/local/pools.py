"""Pool and node operations: create, get, list, update, delete, resize; list and get nodes."""

from __future__ import annotations

import copy
from typing import Any

from azure_batch_maya.local import entities, rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.entities import transition
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
            pool = entities.new_pool(body, self.base, self.store.ticks())
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
            entities.touch(pool, self.store.ticks())
            self.store.put_pool(pool)
        return rest.action(204, f"{pool['url']}/updateproperties", pool)

    def delete_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            transition(pool, "deleting", self.store.ticks())
            self.store.put_pool(pool)
        self.engine.wake()
        return Reply(202)

    def resize_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
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
            transition(pool, "resizing", ticks, key="allocationState")
            entities.touch(pool, ticks)
            self.store.put_pool(pool)
            self.engine.resize_pool(pool, deallocation)
        return rest.action(202, f"{pool['url']}/resize", pool)

    def stop_resize(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0], request)
            if pool["allocationState"] == "resizing":
                ticks = self.store.ticks()
                transition(pool, "stopping", ticks, key="allocationState")
                entities.touch(pool, ticks)
                self.store.put_pool(pool)
        self.engine.wake()
        return rest.action(202, f"{pool['url']}/stopresize", pool)

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
