"""JSON shaping of the service's responses: `odata.metadata`, lists with paging, errors.

Pure functions from entities and errors to (status, headers, body), shaped like the recorded
responses of the real service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import iso, now_ticks, parse_iso, rfc1123
from azure_batch_maya.local.odata import (
    compile_filter,
    decode_skip_token,
    encode_skip_token,
    parse_max_results,
    parse_select,
    project,
)

Doc = dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """One response: JSON `body` (None sends no body), raw `content`, or streamed `chunks`."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    length_framed: bool = False
    chunks: Iterable[bytes] | None = None


def element(base: str, entity_set: str, doc: Doc, select: str | None = None) -> Doc:
    """A single entity: `odata.metadata` `…#<set>/@Element` followed by its properties."""
    return {
        "odata.metadata": f"{base}/$metadata#{entity_set}/@Element",
        **project(doc, parse_select(select)),
    }


def entity_reply(base: str, entity_set: str, doc: Doc, query: dict[str, str]) -> Reply:
    headers = {}
    if "eTag" in doc:
        headers["ETag"] = doc["eTag"]
        headers["Last-Modified"] = _http_time(doc["lastModified"])
    return Reply(200, element(base, entity_set, doc, query.get("$select")), headers)


def list_reply(
    base: str,
    entity_set: str,
    path: str,
    query: dict[str, str],
    fetch: Callable[[str | None], Iterable[Doc]],
    *,
    key: str = "id",
) -> Reply:
    """A page of a list, with `odata.nextLink` after `value` while more remain.

    `fetch(after)` returns the entities after a key (None: from the start) in key order; the
    page ends after `maxresults` matches and the next link carries the last key as its skip
    token.
    """
    after = decode_skip_token(query.get("$skiptoken"))
    limit = parse_max_results(query.get("maxresults"))
    predicate = compile_filter(query.get("$filter"))
    names = parse_select(query.get("$select"))
    page: list[Doc] = []
    more = False
    for doc in fetch(after):
        if not predicate(doc):
            continue
        if len(page) == limit:
            more = True
            break
        page.append(doc)
    body: Doc = {
        "odata.metadata": f"{base}/$metadata#{entity_set}",
        "value": [project(doc, names) for doc in page],
    }
    if more:
        params = {k: v for k, v in query.items() if k != "$skiptoken"}
        params["$skiptoken"] = encode_skip_token(str(page[-1][key]))
        body["odata.nextLink"] = f"{base}{path}?{urlencode(params, safe='$,()')}"
    return Reply(200, body)


def created(location: str, doc: Doc, data_service_id: str | None = None) -> Reply:
    """201 with no body: ETag, Last-Modified, Location and DataServiceId headers."""
    return Reply(
        201,
        None,
        {
            "ETag": doc["eTag"],
            "Last-Modified": _http_time(doc["lastModified"]),
            "Location": location,
            "DataServiceId": data_service_id or location,
        },
    )


def action(status: int, url: str, doc: Doc | None = None) -> Reply:
    """An action POST (resize, terminate, …): no body, DataServiceId is the action URL."""
    headers = {"DataServiceId": url}
    if doc is not None and "eTag" in doc:
        headers["ETag"] = doc["eTag"]
        headers["Last-Modified"] = _http_time(doc["lastModified"])
    if status == 204:
        return Reply(204, None, headers, length_framed=True)
    return Reply(status, None, headers)


def error_reply(base: str, error: BatchServiceError, request_id: str, *, head: bool) -> Reply:
    """The service's error body; a HEAD, or a 304, gets the status alone."""
    if head or error.status == 304:
        return Reply(error.status, None, {}, content=b"", length_framed=True)
    return Reply(error.status, error_body(base, error, request_id), length_framed=True)


def error_body(base: str, error: BatchServiceError, request_id: str) -> Doc:
    body: Doc = {
        "odata.metadata": (
            f"{base}/$metadata#Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"
        ),
        "code": error.code,
        "message": {
            "lang": "en-US",
            "value": f"{error.message}\nRequestId:{request_id}\nTime:{iso(now_ticks())}",
        },
    }
    if error.values:
        body["values"] = [{"key": k, "value": v} for k, v in error.values.items()]
    return body


def task_add_result(base: str, job_id: str, task_id: str, doc: Doc | None, error: Any) -> Doc:
    """One entry of `addtaskcollection`'s answer, cased as the live service sends it."""
    if doc is not None:
        return {
            "status": "Success",
            "taskId": task_id,
            "eTag": doc["eTag"],
            "lastModified": doc["lastModified"],
            "location": f"{base}/jobs/{job_id}/tasks/{task_id}",
        }
    assert isinstance(error, BatchServiceError)
    entry: Doc = {
        "status": "ClientError" if error.status < 500 else "ServerError",
        "taskId": task_id,
        "error": {"code": error.code, "message": {"lang": "en-US", "value": error.message}},
    }
    if error.values:
        entry["error"]["values"] = [{"key": k, "value": v} for k, v in error.values.items()]
    return entry


def _http_time(stamp: str) -> str:
    return rfc1123(parse_iso(stamp))
