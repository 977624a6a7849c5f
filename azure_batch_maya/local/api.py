"""The REST entry of the local pool: authenticate, route, run the operation.

Authentication is checked first, on the raw path and query as they were signed; then the
api-version (`versions`); then the path picks an operation from the resource groups in
`pools`, `jobs`, `tasks`, `taskfiles`. A body is read once here, as the service reads it
(`bodies`), and refused if it sets what the local pool does not implement (`unsupported`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, unquote

from azure_batch_maya.local.account import AccountOperations
from azure_batch_maya.local.auth import Credentials, authenticate
from azure_batch_maya.local.bodies import SCHEMAS, coerce
from azure_batch_maya.local.context import Operations, Request, parse_body
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.jobs import JobOperations
from azure_batch_maya.local.nodes import NodeOperations
from azure_batch_maya.local.pools import PoolOperations
from azure_batch_maya.local.rest import Reply
from azure_batch_maya.local.scheduler import Engine
from azure_batch_maya.local.taskfiles import NodeFileOperations, TaskFileOperations
from azure_batch_maya.local.tasks import TaskOperations
from azure_batch_maya.local.unsupported import BY_OPERATION, check_operation, check_properties
from azure_batch_maya.local.versions import (
    ApiVersion,
    api_version,
    request_body,
    request_query,
    response_body,
)

Doc = dict[str, Any]
Handler = Callable[[Request, tuple[str, ...]], Reply]
GROUPS: tuple[type[Operations], ...] = (
    AccountOperations,
    PoolOperations,
    NodeOperations,
    JobOperations,
    TaskOperations,
    TaskFileOperations,
    NodeFileOperations,
)


class BatchApi:
    """Routes requests to operations; `requests` counts what reached one (benchmarks)."""

    def __init__(self, engine: Engine, credentials: Credentials) -> None:
        self.engine = engine
        self.credentials = credentials
        self.base = engine.config.base_url
        self.requests = 0
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        for group in GROUPS:
            operations = group(engine)
            for method, pattern, name in group.ROUTES:
                handler: Handler = getattr(operations, name)
                self._routes.append((method, re.compile(f"^{pattern}$"), name, handler))

    def handle(
        self, method: str, raw_path: str, raw_query: str, headers: dict[str, str], body: bytes
    ) -> Reply:
        """Authenticate, route and run one request; errors become the service's replies."""
        authenticate(self.credentials, method, raw_path, raw_query, headers)
        self.requests += 1
        query = dict(parse_qsl(raw_query, keep_blank_values=True))
        version = api_version(query.get("api-version"))
        query = request_query(query, version)
        path = raw_path.rstrip("/") or "/"
        known_path = False
        for route_method, pattern, name, handler in self._routes:
            match = pattern.match(path)
            if match is None:
                continue
            known_path = True
            if route_method == method:
                parts = tuple(unquote(part) for part in match.groups())
                document = _document(name, body, version)
                reply = handler(Request(method, path, query, headers, body, document), parts)
                if version.newest_shapes or reply.body is None:
                    return reply
                return dataclasses.replace(reply, body=response_body(reply.body, version))
        check_operation(method, path)
        if known_path:
            raise BatchServiceError("UnsupportedHttpVerb")
        raise BatchServiceError("InvalidUri", status=404)


def _document(operation: str, body: bytes, version: ApiVersion) -> Doc | None:
    """The body of an operation that takes one, read as the service reads it at `version`."""
    if operation not in SCHEMAS and operation not in BY_OPERATION:
        return None
    document = request_body(parse_body(body), version)
    coerced: Doc = coerce(document, SCHEMAS.get(operation, {}))
    check_properties(operation, coerced)
    return coerced
