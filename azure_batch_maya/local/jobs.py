"""Job operations: create, get, list, update, replace, delete, terminate, disable, enable,
and the job's task counts and preparation and release status."""

from __future__ import annotations

from typing import Any

from azure_batch_maya.local import entities, rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.entities import transition
from azure_batch_maya.local.errors import BatchServiceError, invalid_property
from azure_batch_maya.local.rest import Reply

Doc = dict[str, Any]


class JobOperations(Operations):
    """Jobs: state changes go through the engine, which owns running tasks."""

    ROUTES = (
        ("POST", "/jobs", "create_job"),
        ("GET", "/jobs", "list_jobs"),
        ("GET", "/jobs/([^/]+)", "get_job"),
        ("PATCH", "/jobs/([^/]+)", "update_job"),
        ("PUT", "/jobs/([^/]+)", "replace_job"),
        ("DELETE", "/jobs/([^/]+)", "delete_job"),
        ("POST", "/jobs/([^/]+)/terminate", "terminate_job"),
        ("POST", "/jobs/([^/]+)/disable", "disable_job"),
        ("POST", "/jobs/([^/]+)/enable", "enable_job"),
        ("GET", "/jobs/([^/]+)/taskcounts", "task_counts"),
        ("GET", "/jobs/([^/]+)/jobpreparationandreleasetaskstatus", "prep_status"),
    )

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
        return rest.list_reply(self.base, "jobs", request.path, request.query, self.store.list_jobs)

    def get_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return rest.entity_reply(self.base, "jobs", self._job(parts[0], request), request.query)

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
        return self._change_job(parts[0], request, replace=False)

    def replace_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        return self._change_job(parts[0], request, replace=True)

    def _change_job(self, job_id: str, request: Request, *, replace: bool) -> Reply:
        body = request.json()
        with self.engine.lock:
            job = self._job(job_id, request)
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
            job = self._job(parts[0], request)
            if job["state"] != "deleting":
                transition(job, "deleting", self.store.ticks())
                self.store.put_job(job)
        self.engine.wake()
        return Reply(202)

    def terminate_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        body = request.json()
        with self.engine.lock:
            job = self._job(parts[0], request)
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
            job = self._job(parts[0], request)
            if job["state"] not in ("active", "disabling", "disabled"):
                raise BatchServiceError("OperationInvalidForCurrentState")
            if job["state"] == "active":
                entities.touch(job, self.store.ticks())
                self.engine.disable_job(job, mode)
        return rest.action(202, f"{job['url']}/disable", job)

    def enable_job(self, request: Request, parts: tuple[str, ...]) -> Reply:
        with self.engine.lock:
            job = self._job(parts[0], request)
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
            lambda start: [
                p for p in self.store.list_preps(parts[0]) if p["nodeId"] > (start or "")
            ],
            key="nodeId",
        )
