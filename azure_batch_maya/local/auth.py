"""Request authentication as the Batch service does it: SharedKey, or an optional bearer token.

The string to sign is the one azure-batch's `BatchSharedKeyAuthPolicy` builds: the verb, eleven
standard headers (a body-carrying request without Content-Length signs `0`), the sorted
`ocp-*` headers, `/{account}{path}`, then each query parameter's first non-empty value, sorted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import parse_rfc1123

SIGNED_HEADERS = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)
# The service refuses requests whose date is further than this from its clock.
MAX_CLOCK_SKEW_SECONDS = 15 * 60


@dataclass(frozen=True)
class Credentials:
    """What the local pool accepts: the account's SharedKey and, optionally, one bearer token."""

    account_name: str
    account_key: str
    bearer_token: str | None = None


def string_to_sign(
    method: str, path: str, query: str, headers: Mapping[str, str], account_name: str
) -> str:
    """The canonical request the client signed; `headers` keys must be lower-case."""
    values = {name: value for name, value in headers.items() if value}
    if method not in ("GET", "HEAD") and "content-length" not in values:
        values["content-length"] = "0"
    text = method + "\n" + "\n".join(values.get(name, "") for name in SIGNED_HEADERS) + "\n"
    for name, value in sorted((n, v) for n, v in values.items() if n.startswith("ocp-")):
        text += f"{name}:{value}\n"
    text += f"/{account_name}{path}"
    parsed = parse_qs(query)
    for name in sorted(parsed):
        if parsed[name][0]:
            text += f"\n{name}:{parsed[name][0]}"
    return text


def sign(text: str, account_key: str) -> str:
    """Base64 HMAC-SHA256 of `text` under the base64-encoded account key."""
    key = base64.b64decode(account_key)
    digest = hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def authenticate(
    credentials: Credentials,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    *,
    now: float | None = None,
) -> None:
    """Return if the request is authentic; raise the service's 403 (or 401) otherwise."""
    authorization = headers.get("authorization", "")
    if not authorization:
        raise BatchServiceError(
            "AuthenticationFailed",
            status=401,
            values={"AuthenticationErrorDetail": "The request is missing an Authorization header."},
        )
    scheme, _, token = authorization.partition(" ")
    if scheme == "Bearer":
        if credentials.bearer_token is not None and hmac.compare_digest(
            token.strip(), credentials.bearer_token
        ):
            return
        raise _failed("The bearer token is not valid for this account.")
    if scheme != "SharedKey":
        raise _failed(f"Authentication scheme {scheme!r} is not supported.")
    account, _, signature = token.partition(":")
    if account != credentials.account_name:
        raise _failed(f"The account {account!r} does not exist or is not this account.")
    _check_date(headers, time.time() if now is None else now)
    expected = sign(
        string_to_sign(method, path, query, headers, credentials.account_name),
        credentials.account_key,
    )
    try:
        matches = hmac.compare_digest(base64.b64decode(signature), base64.b64decode(expected))
    except (binascii.Error, ValueError):
        matches = False
    if not matches:
        raise _failed(
            f"The MAC signature found in the HTTP request '{signature}' is not the same as any"
            " computed signature."
        )


def _check_date(headers: Mapping[str, str], now: float) -> None:
    stamp = headers.get("ocp-date") or headers.get("date")
    if not stamp:
        raise _failed("The request has neither an ocp-date nor a Date header.")
    try:
        sent = parse_rfc1123(stamp)
    except ValueError:
        raise _failed(f"The date header {stamp!r} is not a valid HTTP date.") from None
    if abs(now - sent) > MAX_CLOCK_SKEW_SECONDS:
        raise _failed("Request date header too old or too far in the future.")


def _failed(detail: str) -> BatchServiceError:
    return BatchServiceError("AuthenticationFailed", values={"AuthenticationErrorDetail": detail})
