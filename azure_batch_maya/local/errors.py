"""The service's errors: an HTTP status, a code, a message and optional key/value details.

Raised anywhere in the local pool and turned into the service's error body by the server, so a
client sees `PoolNotFound` exactly as Azure would send it.
"""

from __future__ import annotations

MESSAGES = {
    "PoolNotFound": (404, "The specified pool does not exist."),
    "PoolExists": (409, "The specified pool already exists."),
    "PoolBeingDeleted": (
        409,
        "The specified pool has been marked for deletion and is being deleted.",
    ),
    "JobNotFound": (404, "The specified job does not exist."),
    "JobExists": (409, "The specified job already exists."),
    "JobBeingDeleted": (
        409,
        "The specified job has been marked for deletion and is being deleted.",
    ),
    "JobCompleted": (409, "The specified job is already in a completed state."),
    "JobBeingTerminated": (409, "The specified job is already in the process of being terminated."),
    "TaskNotFound": (404, "The specified task does not exist."),
    "TaskExists": (409, "The specified task already exists."),
    "TaskCompleted": (409, "The specified task is already completed."),
    "NodeNotFound": (404, "The specified node does not exist."),
    "NodeBeingCreated": (409, "The specified node is being created."),
    "NodeBeingStarted": (409, "The specified node is being started."),
    "NodeBeingRebooted": (409, "The specified node is being rebooted."),
    "NodeBeingReimaged": (409, "The specified node is being reimaged."),
    "NodeAlreadyInTargetSchedulingState": (
        409,
        "The specified node is already in the target scheduling state.",
    ),
    "OperationNotValidOnNode": (409, "The specified operation is not valid on the node."),
    "TaskDependenciesNotSpecifiedOnJob": (
        400,
        "A task was specified as depending on other tasks, but the job did not specify that it"
        " would use task dependencies.",
    ),
    "TaskDependencyListTooLong": (
        400,
        "A task was specified as depending on other tasks, but the list of dependencies was too"
        " long to be stored.",
    ),
    "FileNotFound": (404, "The specified file does not exist."),
    "OperationInvalidForCurrentState": (
        409,
        "The specified operation is not valid for the current state of the resource.",
    ),
    "AuthenticationFailed": (
        403,
        "Server failed to authenticate the request. Make sure the value of Authorization header"
        " is correctly formed including the signature.",
    ),
    "MissingRequiredHeader": (
        400,
        "An HTTP header that's mandatory for this request is not specified.",
    ),
    "InvalidQueryParameterValue": (
        400,
        "Value for one of the query parameters specified in the request URI is invalid.",
    ),
    "MissingRequiredProperty": (
        400,
        "A required property was not specified in the request body.",
    ),
    "InvalidPropertyValue": (
        400,
        "The value provided for one of the properties in the request body is invalid.",
    ),
    "InvalidRequestBody": (400, "The specified Request Body is not syntactically valid."),
    "UnsupportedProperty": (
        400,
        "One of the properties specified in the request body is not supported.",
    ),
    "UnsupportedRequestVersion": (400, "The specified request version is not supported."),
    "UnsupportedHttpVerb": (405, "The resource doesn't support the specified HTTP verb."),
    "OperationNotSupportedByLocalPool": (
        400,
        "The local pool does not support this operation; use an Azure Batch account for it.",
    ),
    "UnsupportedOperation": (400, "The requested operation is not supported by the local pool."),
    "InvalidUri": (400, "The requested URI does not represent any resource on the server."),
    "RequestBodyTooLarge": (
        413,
        "The request body is too large and exceeds the maximum permissible limit.",
    ),
    "ConditionNotMet": (
        412,
        "The condition specified using HTTP conditional header(s) is not met.",
    ),
    "InternalError": (500, "Server encountered an internal error. Please try the request again."),
}


class BatchServiceError(Exception):
    """A failed request as the service reports it; `values` become the body's `values` list."""

    def __init__(
        self,
        code: str,
        message: str | None = None,
        *,
        status: int | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        default_status, default_message = MESSAGES.get(code, (400, code))
        super().__init__(message or default_message)
        self.code = code
        self.message = message or default_message
        self.status = status or default_status
        self.values = values or {}


def invalid_query(name: str, value: str, reason: str) -> BatchServiceError:
    """The 400 the service sends for a bad `$filter`, `$select` or `maxresults`."""
    return BatchServiceError(
        "InvalidQueryParameterValue",
        values={"QueryParameterName": name, "QueryParameterValue": value, "Reason": reason},
    )


def invalid_property(name: str, value: object, reason: str) -> BatchServiceError:
    """The 400 the service sends for a bad property in a request body."""
    return BatchServiceError(
        "InvalidPropertyValue",
        values={"PropertyName": name, "PropertyValue": str(value), "Reason": reason},
    )


def missing_property(name: str) -> BatchServiceError:
    return BatchServiceError("MissingRequiredProperty", values={"PropertyName": name})


def unsupported_property(path: str, reason: str) -> BatchServiceError:
    """The 400 for a property the service (or this local pool) does not take.

    `PropertyName` is the last name of `path`, as the service names properties; the reason
    carries the whole path, so a nested property is still found.
    """
    return BatchServiceError(
        "UnsupportedProperty",
        values={"PropertyName": path.rsplit(".", 1)[-1], "Reason": f"{path}: {reason}"},
    )
