"""The REST operations of the local pool: URL routing and one handler per operation.

Each handler reads or changes state under the engine's lock and returns a `Reply` shaped like
the service's. Authentication is checked first, on the raw path and query, as signed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from azure_batch_maya.local import entities, files, rest
from azure_batch_maya.local.auth import Credentials, authenticate
from azure_batch_maya.local.entities import transition
from azure_batch_maya.local.errors import BatchServiceError, invalid_property
from azure_batch_maya.local.layout import NodeLayout
from azure_batch_maya.local.odata import decode_skip_token
from azure_batch_maya.local.rest import Reply
from azure_batch_maya.local.scheduler import Engine

Doc = dict[str, Any]
MAX_TASKS_PER_COLLECTION = 100
MAX_COLLECTION_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Request:
    """One HTTP request as the handlers see it: decoded path parts, first query values."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Doc:
        if not self.body:
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            raise BatchServiceError("InvalidRequestBody") from None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise BatchServiceError("InvalidRequestBody")
        return value


Handler = Callable[[Request, tuple[str, ...]], Reply]


class BatchApi:
    """Routes requests to handlers; `requests` counts what reached a handler (benchmarks)."""

    def __init__(self, engine: Engine, credentials: Credentials) -> None:
        self.engine = engine
        self.store = engine.store
        self.credentials = credentials
        self.base = engine.config.base_url
        self.requests = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, re.compile(f"^{pattern}$"), handler)
            for method, pattern, handler in (
                ("POST", "/pools", self.create_pool),
                ("GET", "/pools", self.list_pools),
                ("GET", "/pools/([^/]+)", self.get_pool),
                ("HEAD", "/pools/([^/]+)", self.pool_exists),
                ("PATCH", "/pools/([^/]+)", self.update_pool),
                ("DELETE", "/pools/([^/]+)", self.delete_pool),
                ("POST", "/pools/([^/]+)/resize", self.resize_pool),
                ("POST", "/pools/([^/]+)/stopresize", self.stop_resize),
                ("GET", "/pools/([^/]+)/nodes", self.list_nodes),
                ("GET", "/pools/([^/]+)/nodes/([^/]+)", self.get_node),
                ("POST", "/jobs", self.create_job),
                ("GET", "/jobs", self.list_jobs),
                ("GET", "/jobs/([^/]+)", self.get_job),
                ("PATCH", "/jobs/([^/]+)", self.update_job),
                ("PUT", "/jobs/([^/]+)", self.replace_job),
                ("DELETE", "/jobs/([^/]+)", self.delete_job),
                ("POST", "/jobs/([^/]+)/terminate", self.terminate_job),
                ("POST", "/jobs/([^/]+)/disable", self.disable_job),
                ("POST", "/jobs/([^/]+)/enable", self.enable_job),
                ("GET", "/jobs/([^/]+)/taskcounts", self.task_counts),
                ("GET", "/jobs/([^/]+)/jobpreparationandreleasetaskstatus", self.prep_status),
                ("POST", "/jobs/([^/]+)/tasks", self.create_task),
                ("POST", "/jobs/([^/]+)/addtaskcollection", self.create_task_collection),
                ("GET", "/jobs/([^/]+)/tasks", self.list_tasks),
                ("GET", "/jobs/([^/]+)/tasks/([^/]+)", self.get_task),
                ("PUT", "/jobs/([^/]+)/tasks/([^/]+)", self.replace_task),
                ("DELETE", "/jobs/([^/]+)/tasks/([^/]+)", self.delete_task),
                ("POST", "/jobs/([^/]+)/tasks/([^/]+)/terminate", self.terminate_task),
                ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files", self.list_task_files),
                ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", self.get_task_file),
                ("HEAD", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", self.task_file_properties),
            )
        ]

    def handle(
        self, method: str, raw_path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        """Authenticate, route and run one request; errors become the service's replies."""
        authenticate(self.credentials, method, raw_path, raw_query, headers)
        self.requests += 1
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        if not query.get("api-version"):
            raise BatchServiceError(
                "MissingRequiredQueryParameter",
                "A query parameter that's mandatory for this request is not specified.",
                values={"QueryParameterName": "api-version"},
            )
        path = raw_path.rstrip("/") or "/"
        known_path = False
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            known_path = True
            if route_method == method:
                parts = tuple(unquote(part) for part in match.groups())
                return handler(Request(method, path, query, headers, body), parts)
        if known_path:
            raise BatchServiceError("UnsupportedOperation", status=405)
        raise BatchServiceError("InvalidUri", status=404)

    # Helpers
    def _pool(self, pool_id: str) -> Doc:
        pool = self.store.get_pool(pool_id)
        if pool is None:
            raise BatchServiceError("PoolNotFound")
        return pool

    def _job(self, job_id: str) -> Doc:
        job = self.store.get_job(job_id)
        if job is None:
            raise BatchServiceError("JobNotFound")
        return job

    def _task(self, job_id: str, task_id: str) -> Doc:
        self._job(job_id)
        task = self.store.get_task(job_id, task_id)
        if task is None:
            raise BatchServiceError("TaskNotFound")
        return task

    # Pools
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
        after = decode_skip_token(request.query.get("$skiptoken"))
        return rest.list_reply(
            self.base, "pools", request.path, request.query, self.store.list_pools, after=after
        )

    def get_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(self.base, "pools", self._pool(parts[0]), request.query)

    def pool_exists(self, request: Request, parts: tuple[str, ...]) -> Reply:
        reply = rest.entity_reply(self.base, "pools", self._pool(parts[0]), request.query)
        return Reply(200, None, reply.headers, content=b"", length_framed=True)

    def update_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0])
            entities.patch(pool, body, ("metadata", "startTask", "targetNodeCommunicationMode"))
            entities.touch(pool, self.store.ticks())
            self.store.put_pool(pool)
        return rest.action(200, pool["url"], pool)

    def delete_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            pool = self._pool(parts[0])
            if pool["state"] == "deleting":
                raise BatchServiceError("PoolBeingDeleted")
            transition(pool, "deleting", self.store.ticks())
            self.store.put_pool(pool)
        self.engine.wake()
        return Reply(202)

    def resize_pool(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            pool = self._pool(parts[0])
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
            pool = self._pool(parts[0])
            if pool["allocationState"] == "resizing":
                ticks = self.store.ticks()
                transition(pool, "stopping", ticks, key="allocationState")
                entities.touch(pool, ticks)
                self.store.put_pool(pool)
        self.engine.wake()
        return rest.action(202, f"{pool['url']}/stopresize", pool)

    def list_nodes(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._pool(parts[0])
        after = decode_skip_token(request.query.get("$skiptoken"))

        def fetch(start: str | None) -> list[Doc]:
            return [n for n in self.store.list_nodes(parts[0]) if n["id"] > (start or "")]

        return rest.list_reply(self.base, "nodes", request.path, request.query, fetch, after=after)

    def get_node(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._pool(parts[0])
        for node in self.store.list_nodes(parts[0]):
            if node["id"] == parts[1]:
                return rest.entity_reply(self.base, "nodes", node, request.query)
        raise BatchServiceError("NodeNotFound")

    # Jobs
    def create_job(self, request: Request, _: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            existing = self.store.get_job(str(body.get("id")))
            if existing is not None:
                deleting = existing["state"] == "deleting"
                raise BatchServiceError("JobBeingDeleted" if deleting else "JobExists")
            job = entities.new_job(body, self.base, self.store.ticks())
            self.store.put_job(job)
        self.engine.wake()
        # The service answers with an internal job URL here, not the id that was sent.
        return rest.created(f"{self.base}/jobs/job-1", job)

    def list_jobs(self, request: Request, _: tuple[str, ...]) -> Reply:
        after = decode_skip_token(request.query.get("$skiptoken"))
        return rest.list_reply(
            self.base, "jobs", request.path, request.query, self.store.list_jobs, after=after
        )

    def get_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(self.base, "jobs", self._job(parts[0]), request.query)

    _JOB_UPDATABLE = (
        "priority",
        "maxParallelTasks",
        "allowTaskPreemption",
        "constraints",
        "poolInfo",
        "onAllTasksComplete",
        "metadata",
    )

    def update_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return self._change_job(parts[0], request.json(), replace=False)

    def replace_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return self._change_job(parts[0], request.json(), replace=True)

    def _change_job(self, job_id: str, body: Doc, *, replace: bool) -> Reply:
        with self.engine.lock:
            job = self._job(job_id)
            if job["state"] in ("completed", "terminating"):
                raise BatchServiceError("JobCompleted")
            if job["state"] == "deleting":
                raise BatchServiceError("JobBeingDeleted")
            if replace:
                defaults = entities.new_job(
                    {"id": job_id, "poolInfo": body.get("poolInfo", job["poolInfo"]), **body},
                    self.base,
                    self.store.ticks(),
                )
                body = {key: defaults.get(key) for key in self._JOB_UPDATABLE if key in defaults}
                for key in self._JOB_UPDATABLE:
                    if key not in body:
                        job.pop(key, None)
            elif "constraints" in body:
                body = {**body, "constraints": {**job["constraints"], **body["constraints"]}}
            entities.patch(job, body, self._JOB_UPDATABLE)
            entities.touch(job, self.store.ticks())
            self.store.put_job(job)
        self.engine.wake()
        return rest.action(200, job["url"], job)

    def delete_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            job = self._job(parts[0])
            if job["state"] != "deleting":
                transition(job, "deleting", self.store.ticks())
                self.store.put_job(job)
        self.engine.wake()
        return Reply(202)

    def terminate_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            job = self._job(parts[0])
            if job["state"] == "completed":
                raise BatchServiceError("JobCompleted")
            if job["state"] == "terminating":
                raise BatchServiceError("JobBeingTerminated")
            if job["state"] == "deleting":
                raise BatchServiceError("JobBeingDeleted")
            entities.touch(job, self.store.ticks())
            self.engine.terminate_job(job, str(body.get("terminateReason") or "UserTerminate"))
        return rest.action(202, f"{job['url']}/terminate", job)

    def disable_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        mode = str(request.json().get("disableTasks") or "")
        if mode not in ("requeue", "terminate", "wait"):
            raise invalid_property("disableTasks", mode, "Use requeue, terminate or wait.")
        with self.engine.lock:
            job = self._job(parts[0])
            if job["state"] not in ("active", "disabling", "disabled"):
                raise BatchServiceError("OperationInvalidForCurrentState")
            if job["state"] == "active":
                entities.touch(job, self.store.ticks())
                self.engine.disable_job(job, mode)
        return rest.action(202, f"{job['url']}/disable", job)

    def enable_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            job = self._job(parts[0])
            if job["state"] not in ("disabled", "enabling", "active"):
                raise BatchServiceError("OperationInvalidForCurrentState")
            if job["state"] == "disabled":
                ticks = self.store.ticks()
                transition(job, "enabling", ticks)
                entities.touch(job, ticks)
                self.store.put_job(job)
        self.engine.wake()
        return rest.action(202, f"{job['url']}/enable", job)

    def task_counts(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._job(parts[0])
        counts = self.store.task_counts(parts[0])
        body = {
            "odata.metadata": f"{self.base}/$metadata#taskcountsresult/@Element",
            "taskCounts": {name: value[0] for name, value in counts.items()},
            "taskSlotCounts": {name: value[1] for name, value in counts.items()},
        }
        return Reply(200, body)

    def prep_status(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._job(parts[0])
        return rest.list_reply(
            self.base,
            "jobpreparationandreleasetaskstatuslist",
            request.path,
            request.query,
            lambda _after: self.store.list_preps(parts[0]),
            after=None,
            key="nodeId",
        )

    # Tasks
    def _add_task(self, job: Doc, body: Doc) -> Doc:
        task = entities.new_task(body, job, self.base, self.store.ticks())
        try:
            self.store.add_task(job["id"], task)
        except sqlite3.IntegrityError:
            raise BatchServiceError("TaskExists") from None
        return task

    def _open_job(self, job_id: str) -> Doc:
        job = self._job(job_id)
        if job["state"] in ("completed", "terminating"):
            raise BatchServiceError("JobCompleted")
        if job["state"] == "deleting":
            raise BatchServiceError("JobBeingDeleted")
        return job

    def create_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            task = self._add_task(self._open_job(parts[0]), body)
        self.engine.wake()
        return rest.created(task["url"], task)

    def create_task_collection(self, request: Request, parts: tuple[str, ...]) -> Reply:
        if len(request.body) > MAX_COLLECTION_BYTES:
            raise BatchServiceError("RequestBodyTooLarge")
        values = request.json().get("value")
        if not isinstance(values, list):
            raise BatchServiceError("MissingRequiredProperty", values={"PropertyName": "value"})
        if len(values) > MAX_TASKS_PER_COLLECTION:
            raise invalid_property(
                "value", len(values), f"At most {MAX_TASKS_PER_COLLECTION} tasks per request."
            )
        results = []
        with self.engine.lock, self.store.transaction():
            job = self._open_job(parts[0])
            for body in values:
                task_id = str(body.get("id", "")) if isinstance(body, dict) else ""
                try:
                    task = self._add_task(job, body if isinstance(body, dict) else {})
                except BatchServiceError as error:
                    results.append(rest.task_add_result(self.base, job["id"], task_id, None, error))
                else:
                    results.append(rest.task_add_result(self.base, job["id"], task_id, task, None))
        self.engine.wake()
        return Reply(
            200, {"odata.metadata": f"{self.base}/$metadata#taskaddresult", "value": results}
        )

    def list_tasks(self, request: Request, parts: tuple[str, ...]) -> Reply:
        self._job(parts[0])
        after = decode_skip_token(request.query.get("$skiptoken"))
        return rest.list_reply(
            self.base,
            "tasks",
            request.path,
            request.query,
            lambda start: self.store.list_tasks(parts[0], start),
            after=after,
        )

    def get_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(self.base, "tasks", self._task(*parts), request.query)

    def replace_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """PUT a task: the service lets only its constraints change."""
        constraints = request.json().get("constraints") or {}
        with self.engine.lock:
            task = self._task(*parts)
            merged = entities.task_constraints({**task["constraints"], **constraints})
            task["constraints"] = merged
            entities.touch(task, self.store.ticks())
            self.store.put_task(parts[0], task)
        return rest.action(200, task["url"], task)

    def delete_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            self.engine.delete_task(parts[0], self._task(*parts))
        self.engine.wake()
        return Reply(200)

    def terminate_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            task = self._task(*parts)
            entities.touch(task, self.store.ticks())
            self.engine.terminate_task(parts[0], task)
        return rest.action(204, f"{task['url']}/terminate", task)

    # Task files
    def _task_dir(self, job_id: str, task_id: str) -> Path:
        task = self._task(job_id, task_id)
        node_id = (task.get("nodeInfo") or {}).get("nodeId")
        if not node_id:
            raise BatchServiceError(
                "OperationInvalidForCurrentState",
                "The task has not been scheduled to a node yet, so it has no files.",
            )
        return NodeLayout(self.engine.config.data_dir, node_id).task_dir(job_id, task_id)

    def _files_url(self, job_id: str, task_id: str) -> str:
        return f"{self.base}/jobs/{job_id}/tasks/{task_id}/files"

    def list_task_files(self, request: Request, parts: tuple[str, ...]) -> Reply:
        task_dir = self._task_dir(*parts)
        recursive = request.query.get("recursive", "false").lower() == "true"
        entries = files.list_files(task_dir, self._files_url(*parts), recursive=recursive)
        return rest.list_reply(
            self.base,
            "files",
            request.path,
            request.query,
            lambda start: [e for e in entries if e["name"] > (start or "")],
            after=decode_skip_token(request.query.get("$skiptoken")),
            key="name",
        )

    def _file(self, parts: tuple[str, ...]) -> tuple[Path, dict[str, str]]:
        path = files.resolve(self._task_dir(parts[0], parts[1]), parts[2])
        url = f"{self._files_url(parts[0], parts[1])}/{parts[2]}"
        return path, files.file_headers(path, url)

    def get_task_file(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        if path.is_dir():
            raise BatchServiceError("FileNotFound")
        chunks = files.read_range(path, request.headers.get("ocp-range"))
        return Reply(200, None, headers, chunks=chunks)

    def task_file_properties(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        headers["Content-Length"] = str(path.stat().st_size if path.is_file() else 0)
        return Reply(200, None, headers, content=b"", length_framed=True)
