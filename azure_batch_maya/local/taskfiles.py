"""Task file operations: list a task's files, get one (whole or a range), get its properties."""

from __future__ import annotations

import shutil
from pathlib import Path

from azure_batch_maya.local import files, rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.layout import NodeLayout
from azure_batch_maya.local.rest import Reply


class TaskFileOperations(Operations):
    """The files in a task's folder on its node."""

    ROUTES = (
        ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files", "list_task_files"),
        ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "get_task_file"),
        ("HEAD", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "task_file_properties"),
        ("DELETE", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "delete_task_file"),
    )

    def _task_dir(self, job_id: str, task_id: str) -> Path:
        task = self._task(job_id, task_id)
        node_id = (task.get("nodeInfo") or {}).get("nodeId")
        if not node_id:
            raise BatchServiceError(
                "OperationInvalidForCurrentState",
                "The task has not been scheduled to a node yet, so it has no files.",
            )
        return NodeLayout(self.engine.config.data_dir, node_id).task_dir(job_id, task_id)

    def _files_url(self, job_id: str, task_id: str) -> str:
        return f"{self.base}/jobs/{job_id}/tasks/{task_id}/files"

    def list_task_files(self, request: Request, parts: tuple[str, ...]) -> Reply:
        task_dir = self._task_dir(*parts)
        recursive = request.query.get("recursive", "false").lower() == "true"
        entries = files.list_files(task_dir, self._files_url(*parts), recursive=recursive)
        return rest.list_reply(
            self.base,
            "files",
            request.path,
            request.query,
            lambda start: [e for e in entries if e["name"] > (start or "")],
            key="name",
        )

    def _file(self, parts: tuple[str, ...]) -> tuple[Path, dict[str, str]]:
        path = files.resolve(self._task_dir(parts[0], parts[1]), parts[2])
        url = f"{self._files_url(parts[0], parts[1])}/{parts[2]}"
        return path, files.file_headers(path, url)

    def get_task_file(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        if path.is_dir():
            raise BatchServiceError("FileNotFound")
        chunks = files.read_range(path, request.headers.get("ocp-range"))
        return Reply(200, None, headers, chunks=chunks)

    def task_file_properties(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        headers["Content-Length"] = str(path.stat().st_size if path.is_file() else 0)
        return Reply(200, None, headers, content=b"", length_framed=True)

    def delete_task_file(self, request: Request, parts: tuple[str, ...]) -> Reply:
        """Delete a file, or a folder with `recursive=true` (a folder alone is refused)."""
        path, _ = self._file(parts)
        if path.is_dir():
            if request.query.get("recursive", "false").lower() != "true":
                raise BatchServiceError(
                    "DirectoryNotEmpty"
                    if any(path.iterdir())
                    else "OperationInvalidForCurrentState",
                    "Deleting a folder needs recursive=true.",
                    status=409,
                )
            shutil.rmtree(path)
        else:
            path.unlink()
        return Reply(200)
