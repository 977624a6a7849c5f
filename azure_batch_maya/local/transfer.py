"""Moving a task's files: resource files in before it runs, output files out after it ends.

Resource files come from an `httpUrl` or a `storageContainerUrl` (+ `blobPrefix`), output
files go to a container SAS URL, exactly the shapes a task carries in the Batch API.
Transient failures (5xx, resets, timeouts) are retried with exponential backoff, as a Batch
node agent does: azure-storage's `ExponentialRetry` for blobs, the node's own stdlib loop for
plain URLs. A URL several resource files share is fetched once. Messages never show a SAS.
"""

from __future__ import annotations

import logging
import os
import shutil
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from azure_batch_maya.node.fetch_inputs import TransientError, redact, transient, with_retries

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 60
# azure-storage's policy: waits of about 1, 3, 5 and 9 s (plus jitter) before giving up.
RETRY_TOTAL = 4
RETRY_INITIAL_BACKOFF = 1
RETRY_INCREMENT_BASE = 2
_WILDCARDS = set("*?[")


class TransferError(Exception):
    """A file could not be fetched or uploaded; `code` is the service's failure code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _inside(base: Path, relative: str, name: str) -> Path:
    target = (base / relative).resolve()
    if target != base.resolve() and base.resolve() not in target.parents:
        raise TransferError("ResourceFileInvalidPath", f"{name} {relative!r} leaves the folder.")
    return target


def fetch_resource_files(resource_files: Iterable[Mapping[str, Any]], working_dir: Path) -> None:
    """Download every resource file into `working_dir` before the command starts."""
    fetched: dict[str, Path] = {}  # URL without its query → the first file it was saved to
    for resource in resource_files:
        file_path = str(resource.get("filePath") or "")
        try:
            if resource.get("httpUrl"):
                url = str(resource["httpUrl"])
                name = file_path or PurePosixPath(url.split("?")[0]).name
                target = _inside(working_dir, name, "filePath")
                same = fetched.get(url.split("?")[0])
                if same is not None and same != target:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(same, target)
                else:
                    _download_url(url, target)
                    fetched[url.split("?")[0]] = target
                _chmod(target, resource.get("fileMode"))
            elif resource.get("storageContainerUrl"):
                _download_container(
                    str(resource["storageContainerUrl"]),
                    str(resource.get("blobPrefix") or ""),
                    _inside(working_dir, file_path, "filePath"),
                    resource.get("fileMode"),
                )
            elif resource.get("autoStorageContainerName"):
                raise TransferError(
                    "ResourceFileDownloadFailed",
                    "autoStorageContainerName needs a linked storage account, which the local"
                    " pool does not have; pass a storageContainerUrl with a SAS instead.",
                )
        except TransferError:
            raise
        except Exception as error:
            source = resource.get("httpUrl") or resource.get("storageContainerUrl") or ""
            raise TransferError(
                "ResourceFileDownloadFailed",
                redact(f"Downloading {source} to {file_path or '.'} failed: {_first_line(error)}"),
            ) from None


def _download_url(url: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(url, headers={"x-ms-version": "2021-08-06"})

    def attempt() -> None:
        part = target.with_name(target.name + ".part")
        try:
            with (
                urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response,
                part.open("wb") as handle,
            ):
                shutil.copyfileobj(response, handle)
        except Exception as error:
            part.unlink(missing_ok=True)
            if transient(error):
                raise TransientError(redact(str(error) or type(error).__name__)) from None
            raise
        part.replace(target)

    with_retries(attempt, f"downloading {redact(url)}")


def container_client(url: str) -> Any:
    """A client for a container SAS URL that rides out transient failures with backoff."""
    from azure.storage.blob import ContainerClient, ExponentialRetry

    policy = ExponentialRetry(
        initial_backoff=RETRY_INITIAL_BACKOFF,
        increment_base=RETRY_INCREMENT_BASE,
        retry_total=RETRY_TOTAL,
    )
    return ContainerClient.from_container_url(url, retry_policy=policy)


def _download_container(url: str, prefix: str, target: Path, mode: object) -> None:
    container = container_client(url)
    for blob in container.list_blobs(name_starts_with=prefix or None):
        destination = _inside(target, blob.name, "blob name")
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("wb") as handle:
            container.download_blob(blob.name).readinto(handle)
        _chmod(destination, mode)


def _first_line(error: BaseException) -> str:
    """The service's sentence, without the request id, time and XML body that follow it."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _chmod(path: Path, mode: object) -> None:
    if mode and os.name != "nt":
        path.chmod(int(str(mode), 8))


def should_upload(condition: str, succeeded: bool) -> bool:
    """Upload conditions as the service spells them back: TaskSuccess/TaskFailure/TaskCompletion."""
    lowered = condition.lower()
    return (
        lowered == "taskcompletion"
        or (lowered == "tasksuccess" and succeeded)
        or (lowered == "taskfailure" and not succeeded)
    )


def matched_files(pattern: str, working_dir: Path) -> list[tuple[Path, str]]:
    """(file, blob-relative name) pairs for one filePattern, relative to the working dir.

    A pattern without wildcards names one file whose blob name is `path` itself; with
    wildcards, each match keeps its path below the pattern's fixed leading folders.
    """
    pattern = pattern.replace("\\", "/")
    parts = PurePosixPath(pattern).parts
    fixed: list[str] = []
    for part in parts:
        if _WILDCARDS & set(part):
            break
        fixed.append(part)
    if len(fixed) == len(parts):
        candidate = working_dir.joinpath(*parts)
        return [(candidate, "")] if candidate.is_file() else []
    base = working_dir.joinpath(*fixed)
    rest = "/".join(parts[len(fixed) :])
    return sorted(
        (match, match.relative_to(base).as_posix()) for match in base.glob(rest) if match.is_file()
    )


def upload_output_files(
    output_files: Iterable[Mapping[str, Any]], working_dir: Path, succeeded: bool
) -> None:
    """Upload what each output file spec matches, when its upload condition holds."""
    from azure.storage.blob import ContentSettings

    for spec in output_files:
        condition = str((spec.get("uploadOptions") or {}).get("uploadCondition", "TaskCompletion"))
        if not should_upload(condition, succeeded):
            continue
        destination = (spec.get("destination") or {}).get("container") or {}
        url = destination.get("containerUrl")
        if not url:
            raise TransferError("FileUploadInvalidDestination", "Output file has no containerUrl.")
        headers = {h["name"].lower(): h["value"] for h in destination.get("uploadHeaders") or []}
        settings = ContentSettings(
            content_type=headers.get("x-ms-blob-content-type") or headers.get("content-type"),
            content_language=headers.get("x-ms-blob-content-language"),
            content_encoding=headers.get("x-ms-blob-content-encoding"),
        )
        path = str(destination.get("path") or "")
        try:
            container = container_client(url)
            for source, relative in matched_files(str(spec.get("filePattern", "")), working_dir):
                if relative:
                    name = f"{path.rstrip('/')}/{relative}" if path else relative
                else:
                    name = path or source.name
                with source.open("rb") as handle:
                    container.upload_blob(name, handle, overwrite=True, content_settings=settings)
                log.debug("uploaded %s to %s", source, name)
        except Exception as error:
            pattern = spec.get("filePattern", "")
            raise TransferError(
                "FileUploadMiscError",
                redact(f"Uploading {pattern} to {url} ({path}) failed: {_first_line(error)}"),
            ) from None
