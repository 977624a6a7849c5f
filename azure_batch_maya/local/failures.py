"""The `failureInfo` a task gets when it does not succeed, in the service's words."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]


def failure_info(code: str, message: str, category: str = "usererror") -> Doc:
    return {
        "category": category,
        "code": code,
        "message": message,
        "details": [{"name": "Message", "value": message}],
    }


EXIT_CODE = failure_info(
    "FailureExitCode", "The task exited with an exit code representing a failure"
)
ENDED_BY_USER = failure_info("TaskEnded", "Task Was Ended by User Request")
ENDED_BY_JOB = failure_info("TaskEnded", "Task Was Ended because its Job was terminated")
WALL_CLOCK = failure_info(
    "TaskEnded", "The task was ended because it exceeded its maximum wall clock time"
)
