"""Task operations: add one or a collection of 100, get, list, replace, delete, terminate,
reactivate."""

from __future__ import annotations

import sqlite3
from typing import Any

from azure_batch_maya.local import entities, rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.errors import BatchServiceError, invalid_property
from azure_batch_maya.local.rest import Reply

Doc = dict[str, Any]
MAX_TASKS_PER_COLLECTION = 100
MAX_COLLECTION_BYTES = 1024 * 1024


class TaskOperations(Operations):
    """Tasks: added here, run by the engine."""

    ROUTES = (
        ("POST", "/jobs/([^/]+)/tasks", "create_task"),
        ("POST", "/jobs/([^/]+)/addtaskcollection", "create_task_collection"),
        ("GET", "/jobs/([^/]+)/tasks", "list_tasks"),
        ("GET", "/jobs/([^/]+)/tasks/([^/]+)", "get_task"),
        ("PUT", "/jobs/([^/]+)/tasks/([^/]+)", "replace_task"),
        ("DELETE", "/jobs/([^/]+)/tasks/([^/]+)", "delete_task"),
        ("POST", "/jobs/([^/]+)/tasks/([^/]+)/terminate", "terminate_task"),
        ("POST", "/jobs/([^/]+)/tasks/([^/]+)/reactivate", "reactivate_task"),
    )

    def _add_task(self, job: Doc, body: Doc) -> Doc:
        task = entities.new_task(body, job, self.base, self.store.ticks())
        try:
            self.store.add_task(job["id"], task)
        except sqlite3.IntegrityError:
            raise BatchServiceError("TaskExists") from None
        return task

    def _open_job(self, job_id: str) -> Doc:
        """The job, if it still takes tasks: one completed or terminating is refused (409
        `JobCompleted`, the code the service documents for an operation on a completed job)."""
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
        return rest.list_reply(
            self.base,
            "tasks",
            request.path,
            request.query,
            lambda start: self.store.list_tasks(parts[0], start),
        )

    def get_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(
            self.base, "tasks", self._task(parts[0], parts[1], request), request.query
        )

    def replace_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """PUT a task: the service lets only its constraints change."""
        constraints = request.json().get("constraints") or {}
        with self.engine.lock:
            task = self._task(parts[0], parts[1], request)
            merged = entities.task_constraints({**task["constraints"], **constraints})
            task["constraints"] = merged
            entities.touch(task, self.store.ticks())
            self.store.put_task(parts[0], task)
        return rest.action(200, task["url"], task)

    def delete_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            self.engine.delete_task(parts[0], self._task(parts[0], parts[1], request))
        self.engine.wake()
        return Reply(200)

    def terminate_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            task = self._task(parts[0], parts[1], request)
            entities.touch(task, self.store.ticks())
            self.engine.terminate_task(parts[0], task)
        return rest.action(204, f"{task['url']}/terminate", task)

    def reactivate_task(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """A failed, completed task of a job still open runs again with its retries renewed;
        nothing else may (a follow-up job re-runs the tasks of one that ended)."""
        with self.engine.lock:
            self._open_job(parts[0])
            task = self._task(parts[0], parts[1], request)
            info = task["executionInfo"]
            if task["state"] != "completed" or info.get("result") != "failure":
                raise BatchServiceError(
                    "TaskNotInFailedState" if task["state"] == "completed" else "TaskNotCompleted",
                    "Only a task that completed with a failure can be reactivated.",
                    status=409,
                )
            entities.touch(task, self.store.ticks())
            self.engine.reactivate_task(parts[0], task)
        reply = rest.action(204, f"{task['url']}/reactivate", task)
        reply.headers.pop("DataServiceId", None)
        return reply
