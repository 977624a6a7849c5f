"""What every REST operation works with: the request, and the engine and its state.

Operations are grouped by resource (`pools`, `jobs`, `tasks`, `taskfiles`); each group is a
class over `Operations`, which looks entities up and raises the service's not-found errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from azure_batch_maya.local.conditions import check_conditions
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.scheduler import Engine

Doc = dict[str, Any]
Route = tuple[str, str, str]


@dataclass(frozen=True)
class Request:
    """One HTTP request as the handlers see it: decoded path parts, first query values.

    `document` is the body already read (numbers as numbers, in the newest shape) when the
    API layer knows the operation's body; `json()` returns it, or parses `body`.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    document: Doc | None = None

    def json(self) -> Doc:
        if self.document is not None:
            return self.document
        return parse_body(self.body)


def parse_body(body: bytes) -> Doc:
    """A JSON object body (empty or `null`: `{}`), or the service's `InvalidRequestBody`."""
    if not body:
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise BatchServiceError("InvalidRequestBody") from None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BatchServiceError("InvalidRequestBody")
    return value


class Operations:
    """A group of REST operations over the engine; `ROUTES` maps (verb, path) to methods."""

    ROUTES: tuple[Route, ...] = ()

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        self.base = engine.config.base_url

    def _pool(self, pool_id: str, request: Request | None = None) -> Doc:
        """The pool, or the service's 404; with `request`, its conditional headers apply."""
        pool = self.store.get_pool(pool_id)
        if pool is None:
            raise BatchServiceError("PoolNotFound")
        return _checked(pool, request)

    def _job(self, job_id: str, request: Request | None = None) -> Doc:
        job = self.store.get_job(job_id)
        if job is None:
            raise BatchServiceError("JobNotFound")
        return _checked(job, request)

    def _task(self, job_id: str, task_id: str, request: Request | None = None) -> Doc:
        self._job(job_id)
        task = self.store.get_task(job_id, task_id)
        if task is None:
            raise BatchServiceError("TaskNotFound")
        return _checked(task, request)


def _checked(entity: Doc, request: Request | None) -> Doc:
    if request is not None:
        check_conditions(request.method, request.headers, entity)
    return entity
