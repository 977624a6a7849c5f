"""Task dependencies and exit conditions, as pure functions over stored tasks.

A task with `dependsOn` stays `active` until every task it names (by id, or by an id range
over tasks whose ids are integers) has completed in a way its `exitConditions` say
satisfies dependents. The same exit conditions give the job action the job takes when a task
fails and the job's `onTaskFailure` is `performexitoptionsjobaction`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from azure_batch_maya.local.errors import BatchServiceError, invalid_property

Doc = dict[str, Any]
MAX_DEPENDENCY_ID_CHARS = 64000
_NUMBER = re.compile(r"^[0-9]+$")
# Failures that happen before the command runs (the service's "pre-processing" errors).
_PREPROCESSING = ("ResourceFile", "CommandProgramNotFound", "ContainerTaskSettings")


def check_task_body(body: Mapping[str, Any], job: Mapping[str, Any]) -> None:
    """Refuse `dependsOn` and exit options the job cannot take, as the service does."""
    depends = body.get("dependsOn")
    conditions = body.get("exitConditions")
    if depends and not job.get("usesTaskDependencies"):
        raise BatchServiceError("TaskDependenciesNotSpecifiedOnJob")
    if depends is not None:
        if not isinstance(depends, dict):
            raise invalid_property("dependsOn", depends, "An object with taskIds, taskIdRanges.")
        ids = depends.get("taskIds") or []
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid_property("taskIds", ids, "A list of task ids.")
        if sum(len(i) for i in ids) > MAX_DEPENDENCY_ID_CHARS:
            raise BatchServiceError("TaskDependencyListTooLong")
        for span in depends.get("taskIdRanges") or []:
            start, end = (span or {}).get("start"), (span or {}).get("end")
            if not isinstance(start, int) or not isinstance(end, int) or start > end:
                raise invalid_property(
                    "taskIdRanges", span, "Each range needs integers start <= end."
                )
    if conditions is None:
        return
    if not isinstance(conditions, dict):
        raise invalid_property("exitConditions", conditions, "An object.")
    for options in _all_options(conditions):
        if options.get("dependencyAction") is not None and not job.get("usesTaskDependencies"):
            raise invalid_property(
                "dependencyAction",
                options["dependencyAction"],
                "The job does not use task dependencies (usesTaskDependencies).",
            )
        action = options.get("dependencyAction")
        if action is not None and str(action).lower() not in ("satisfy", "block"):
            raise invalid_property("dependencyAction", action, "Use satisfy or block.")
        job_action = options.get("jobAction")
        if job_action is not None:
            if str(job.get("onTaskFailure", "noaction")).lower() == "noaction":
                raise invalid_property(
                    "jobAction",
                    job_action,
                    "The job's onTaskFailure is noaction; set it to performexitoptionsjobaction.",
                )
            if str(job_action).lower() not in ("none", "disable", "terminate"):
                raise invalid_property("jobAction", job_action, "Use none, disable or terminate.")


def _all_options(conditions: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for mapping in conditions.get("exitCodes") or []:
        yield (mapping or {}).get("exitOptions") or {}
    for mapping in conditions.get("exitCodeRanges") or []:
        yield (mapping or {}).get("exitOptions") or {}
    for name in ("preProcessingError", "fileUploadError", "default"):
        if isinstance(conditions.get(name), dict):
            yield conditions[name]


def exit_options(task: Mapping[str, Any]) -> tuple[str, str]:
    """(dependencyAction, jobAction) of a completed task, from its exit conditions.

    Exit codes listed in `exitCodes`/`exitCodeRanges` come first (even for a file upload
    error), then `preProcessingError` or `fileUploadError`, then `default`; an option left
    out is `satisfy`/`none` for exit code 0 and `block`/`terminate` otherwise.
    """
    info = task.get("executionInfo") or {}
    conditions = task.get("exitConditions") or {}
    code = info.get("exitCode")
    failure = str((info.get("failureInfo") or {}).get("code") or "")
    success = info.get("result") == "success"
    chosen: Mapping[str, Any] | None = None
    if code is not None:
        chosen = _by_exit_code(conditions, int(code))
    if chosen is None and not success:
        if failure.startswith(_PREPROCESSING):
            chosen = conditions.get("preProcessingError")
        elif failure.startswith("FileUpload"):
            chosen = conditions.get("fileUploadError")
        if chosen is None:
            chosen = conditions.get("default")
    chosen = chosen or {}
    ok = success and code in (0, None)
    dependency = str(chosen.get("dependencyAction") or ("satisfy" if ok else "block")).lower()
    job_action = str(chosen.get("jobAction") or ("none" if ok else "terminate")).lower()
    return dependency, job_action


def _by_exit_code(conditions: Mapping[str, Any], code: int) -> Mapping[str, Any] | None:
    for mapping in conditions.get("exitCodes") or []:
        if mapping.get("code") == code:
            options: Mapping[str, Any] = mapping.get("exitOptions") or {}
            return options
    for mapping in conditions.get("exitCodeRanges") or []:
        if int(mapping.get("start", 0)) <= code <= int(mapping.get("end", -1)):
            ranged: Mapping[str, Any] = mapping.get("exitOptions") or {}
            return ranged
    return None


def satisfies(task: Mapping[str, Any] | None) -> bool:
    """True when a parent task lets its dependents run: completed, and not blocking."""
    return (
        task is not None and task.get("state") == "completed" and exit_options(task)[0] == "satisfy"
    )


def number_groups(tasks: Iterable[Doc]) -> dict[int, list[Doc]]:
    """Tasks whose ids are integers, by value: `4`, `04` and `004` are all task 4."""
    groups: dict[int, list[Doc]] = {}
    for task in tasks:
        if _NUMBER.match(str(task["id"])):
            groups.setdefault(int(task["id"]), []).append(task)
    return groups


def ready(
    task: Mapping[str, Any],
    lookup: Callable[[str], Mapping[str, Any] | None],
    numbers: Mapping[int, list[Doc]],
) -> bool:
    """True when every dependency of `task` is satisfied (no dependencies: always)."""
    depends = task.get("dependsOn") or {}
    if not all(satisfies(lookup(parent)) for parent in depends.get("taskIds") or []):
        return False
    for span in depends.get("taskIdRanges") or []:
        for number, group in numbers.items():
            if int(span["start"]) <= number <= int(span["end"]):
                done = [t for t in group if t.get("state") == "completed"]
                if not done:
                    return False
                first = min(done, key=lambda t: str(t["executionInfo"].get("endTime", "")))
                if not satisfies(first):
                    return False
    return True
