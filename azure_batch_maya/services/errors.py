"""Our errors for everything Batch, Storage and sign-in can refuse, with a next step for a person.

The SDK raises `azure.core.exceptions` types whose text is the service's own; `translate_error`
turns them into one of the classes here, keeps the service's error code and request id for the
log, and says what to do about it in terms of our UI ("check the key on the Config tab").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

log = logging.getLogger(__name__)

Service = Literal["batch", "storage"]

_SERVICE_NAMES: dict[str, str] = {"batch": "Batch", "storage": "Storage"}
_AUTH_CODES = frozenset(
    {"AuthenticationFailed", "AuthorizationFailure", "InvalidAuthenticationInfo"}
)
_PERMISSION_CODES = frozenset(
    {
        "AuthorizationPermissionMismatch",
        "AuthorizationResourceTypeMismatch",
        "AuthorizationServiceMismatch",
        "AuthorizationSourceIPMismatch",
        "AuthorizationProtocolMismatch",
        "InsufficientAccountPermissions",
        "AuthorizationFailed",
    }
)
_THROTTLE_CODES = frozenset({"ServerBusy", "TooManyRequests", "OperationTimedOut"})
_HOST_NOT_FOUND_HINTS = (
    "Name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "Temporary failure in name resolution",
    "No address associated with hostname",
)
_NOT_FOUND_HINTS: dict[str, str] = {
    "PoolNotFound": "the pool does not exist (it may have been deleted); pick or create another "
    "pool on the Submit tab",
    "JobNotFound": "the job does not exist (it may have been deleted); refresh the Jobs tab",
    "TaskNotFound": "the task does not exist in this job; refresh the Jobs tab",
    "NodeNotFound": "the node is no longer in the pool; refresh the Pools tab",
    "FileNotFound": "the task has not written that file (yet); check the task's stdout and stderr",
    "ContainerNotFound": "the storage container does not exist; upload the assets again",
    "BlobNotFound": "the file is not in storage; upload the assets again",
}


_CONFLICT_HINTS: dict[str, str] = {
    "JobCompleted": "the job has already ended; submit a new job",
    "JobBeingDeleted": "the job is being deleted; submit a new job",
    "JobBeingTerminated": "the job is being stopped; submit a new job",
    "PoolBeingDeleted": "the pool is being deleted; pick or create another pool",
    "PoolNotSteady": "the pool is resizing; wait until it is steady, then try again",
    "PoolBeingResized": "the pool is resizing; wait until it is steady, then try again",
    "TaskCompleted": "the task has already ended",
    "ContainerBeingDeleted": "the container is being deleted; wait a minute and try again",
}


class ServiceError(Exception):
    """A call to Batch, Storage or Entra ID that failed; `message` says what to do next.

    `code` is the service's error code (or ours when the service gave none), `status` the HTTP
    status (0 when no response came back), `request_id` the service's id for a support ticket.
    """

    def __init__(
        self, code: str, message: str, status: int = 0, *, request_id: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.message} [{self.code}]"


class AuthenticationError(ServiceError):
    """The service refused who we are: a wrong key, an expired SAS, a failed sign-in."""


class PermissionDeniedError(ServiceError):
    """We are known but not allowed: a SAS without the permission, an Entra role missing."""


class NotFoundError(ServiceError):
    """The pool, job, task, container or blob does not exist."""


class AlreadyExistsError(ServiceError):
    """An id that must be new is taken (pool, job, task, container)."""


class ConflictError(ServiceError):
    """The resource is in a state that does not allow this now (completed, resizing, deleting)."""


class QuotaError(ServiceError):
    """The account has reached a quota (cores, pools, jobs)."""


class ThrottledError(ServiceError):
    """The service kept asking us to slow down after the retries azure-core already made."""


class ConnectionFailedError(ServiceError):
    """No answer: the host is unknown, refused the connection, or dropped it mid-way."""


class TransferCancelledError(ServiceError):
    """An upload or download stopped because the user cancelled it."""


class IntegrityError(ServiceError):
    """A downloaded file did not match the size or MD5 that storage reported."""


class SecretStoreError(ServiceError):
    """Keys cannot be kept in (or read from) the OS keyring."""


class TaskSubmissionError(ServiceError):
    """Some tasks of a `create_tasks` call were not added; `failed_task_ids` lists them."""

    def __init__(self, code: str, message: str, failed_task_ids: tuple[str, ...]) -> None:
        super().__init__(code, message)
        self.failed_task_ids = failed_task_ids


def translate_error(
    error: AzureError, *, service: Service, account: str = "", action: str = ""
) -> ServiceError:
    """Our error for an SDK error from `service` (account name and action make the message)."""
    name = _SERVICE_NAMES[service]
    where = f"{name} account {account}" if account else name
    prefix = f"{action[:1].upper()}{action[1:]} failed: " if action else ""
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return _connection_error(error, where=where, prefix=prefix)
    if not isinstance(error, HttpResponseError) or error.response is None:
        if isinstance(error, ClientAuthenticationError):
            return AuthenticationError(
                "SignInFailed",
                f"{prefix}signing in to {where} failed: {_first_line(error.message)}; "
                "sign in again on the Config tab",
            )
        return ServiceError("UnexpectedError", f"{prefix}{_first_line(str(error))}")
    status = error.status_code or 0
    code = _error_code(error) or f"Http{status}"
    said = _first_line(error.message or "").removeprefix(f"({code}) ")
    headers = getattr(error.response, "headers", None) or {}
    request_id = headers.get("request-id") or headers.get("x-ms-request-id")
    log.debug("%s answered %d %s: %s (request id %s)", name, status, code, said, request_id)

    def make(kind: type[ServiceError], message: str) -> ServiceError:
        return kind(code, f"{prefix}{message}", status, request_id=request_id)

    if code in _AUTH_CODES or (status == 401 and code not in _PERMISSION_CODES):
        if _sent_bearer_token(error):
            return make(
                AuthenticationError,
                f"{where} refused the Entra ID sign-in: sign in again on the Config tab, and check "
                "that your account has a role on it",
            )
        if service == "batch":
            return make(
                AuthenticationError,
                f"Batch refused the key for account {account or '(unnamed)'}: check the key on "
                "the Config tab, or sign in with Entra ID",
            )
        return make(
            AuthenticationError,
            f"Storage refused the credentials for {where}: check the storage key or connection "
            "string on the Config tab (a SAS may also have expired)",
        )
    if code in _PERMISSION_CODES or status == 403:
        return make(
            PermissionDeniedError,
            f"{where} does not allow this ({said}): a SAS needs the permission for it, and an "
            "Entra ID sign-in needs a role on the account that grants it",
        )
    if "Quota" in code:
        return make(
            QuotaError,
            f"{where} has reached a quota ({said}): delete unused pools or jobs, use fewer or "
            "smaller nodes, or ask for a higher quota in the Azure portal (account → Quotas)",
        )
    if status in (429, 503) or code in _THROTTLE_CODES:
        return make(
            ThrottledError,
            f"{where} is busy and asked us to slow down, even after retrying: wait a minute and "
            "try again",
        )
    if isinstance(error, ResourceNotFoundError) or status == 404:
        return make(NotFoundError, _NOT_FOUND_HINTS.get(code, f"{said} ({where})"))
    if code.endswith("Exists") or (isinstance(error, ResourceExistsError) and not code):
        return make(
            AlreadyExistsError, f"{said} Pick another name, or delete the existing one first"
        )
    if status == 409:
        hint = _CONFLICT_HINTS.get(code, "wait a moment, refresh, and try again")
        return make(ConflictError, f"{said} ({where}): {hint}")
    return make(ServiceError, f"{where} answered {status}: {said}")


@contextmanager
def service_call(service: Service, *, account: str = "", action: str = "") -> Iterator[None]:
    """Run SDK calls inside this block so that whatever they raise comes out as ours."""
    try:
        yield
    except AzureError as error:
        raise translate_error(error, service=service, account=account, action=action) from error


def _connection_error(error: AzureError, *, where: str, prefix: str) -> ConnectionFailedError:
    reason = _first_line(str(error))
    if "non-TLS" in reason:
        return ConnectionFailedError(
            "HttpsRequired",
            f"{prefix}an Entra ID sign-in is only sent over https, and the URL for {where} is "
            "http: use the https:// URL on the Config tab",
        )
    if any(hint in reason for hint in _HOST_NOT_FOUND_HINTS):
        return ConnectionFailedError(
            "HostNotFound",
            f"{prefix}no {where} answers at that address ({reason}): check the account name and "
            "URL on the Config tab",
        )
    if isinstance(error, ServiceResponseError):
        return ConnectionFailedError(
            "ConnectionDropped",
            f"{prefix}the connection to {where} dropped before it answered ({reason}): check the "
            "network and try again",
        )
    return ConnectionFailedError(
        "ConnectionFailed",
        f"{prefix}could not connect to {where} ({reason}): check the URL on the Config tab, the "
        "network, and (for the local pool) that `azure-batch-maya local up` is running",
    )


def _sent_bearer_token(error: HttpResponseError) -> bool:
    request = getattr(error.response, "request", None)
    headers = getattr(request, "headers", None) or {}
    return str(headers.get("Authorization", "")).startswith("Bearer ")


def _error_code(error: HttpResponseError) -> str:
    code = getattr(error, "error_code", None) or (error.error.code if error.error else None)
    return str(getattr(code, "value", code) or "")


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("RequestId:", "Time:")):
            return line
    return text.strip()
