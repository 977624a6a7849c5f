"""HTTP conditional headers on an entity, as the service applies them.

`If-Match`/`If-None-Match` compare the entity's ETag (`*` matches any entity),
`If-Modified-Since`/`If-Unmodified-Since` its Last-Modified, to the second. A failed
condition is 412 `ConditionNotMet`, except that a GET or HEAD whose `If-None-Match` or
`If-Modified-Since` fails is 304 Not Modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import parse_iso, parse_rfc1123

_TICKS_PER_SECOND = 10_000_000


def check_conditions(method: str, headers: Mapping[str, str], entity: Mapping[str, Any]) -> None:
    """Raise the service's 412 (or 304 for a read) when a conditional header fails."""
    tag = str(entity.get("eTag", ""))
    modified = parse_iso(str(entity["lastModified"])) // _TICKS_PER_SECOND
    reading = method in ("GET", "HEAD")
    if_match = headers.get("if-match")
    if if_match and if_match != "*" and tag not in _tags(if_match):
        raise _failed()
    if_none_match = headers.get("if-none-match")
    if if_none_match and (if_none_match == "*" or tag in _tags(if_none_match)):
        raise _not_modified() if reading else _failed()
    since = _seconds(headers.get("if-modified-since"))
    if since is not None and modified <= since:
        raise _not_modified() if reading else _failed()
    unmodified = _seconds(headers.get("if-unmodified-since"))
    if unmodified is not None and modified > unmodified:
        raise _failed()


def _tags(header: str) -> set[str]:
    return {part.strip().strip('"') for part in header.split(",")}


def _seconds(header: str | None) -> int | None:
    if not header:
        return None
    try:
        return int(parse_rfc1123(header))
    except ValueError:
        return None


def _failed() -> BatchServiceError:
    return BatchServiceError("ConditionNotMet")


def _not_modified() -> BatchServiceError:
    return BatchServiceError("NotModified", "Not Modified", status=304)
