"""The REST entry of the local pool: authenticate, route, run the operation.

Authentication is checked first, on the raw path and query as they were signed; then the
path picks an operation from the resource groups in `pools`, `jobs`, `tasks`, `taskfiles`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl, unquote

from azure_batch_maya.local.account import AccountOperations
from azure_batch_maya.local.auth import Credentials, authenticate
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.jobs import JobOperations
from azure_batch_maya.local.nodes import NodeOperations
from azure_batch_maya.local.pools import PoolOperations
from azure_batch_maya.local.rest import Reply
from azure_batch_maya.local.scheduler import Engine
from azure_batch_maya.local.taskfiles import NodeFileOperations, TaskFileOperations
from azure_batch_maya.local.tasks import TaskOperations

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
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for group in GROUPS:
            operations = group(engine)
            for method, pattern, name in group.ROUTES:
                handler: Handler = getattr(operations, name)
                self._routes.append((method, re.compile(f"^{pattern}$"), handler))

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
