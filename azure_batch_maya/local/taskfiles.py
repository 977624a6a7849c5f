"""File operations on tasks and nodes: list, get (whole or a range), properties, delete.

A task's files are its folder on its node (`stdout.txt`, `stderr.txt`, `wd/…`); a node's
files are its whole root folder (`shared`, `startup`, `workitems/…`). Nothing outside can
be reached.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from azure_batch_maya.local import files, rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.layout import NodeLayout
from azure_batch_maya.local.rest import Reply


class _FileOperations(Operations):
    """The four file operations over a folder that `_root` finds from the path's ids."""

    def _root(self, owner: tuple[str, str]) -> Path:
        raise NotImplementedError

    def _files_url(self, owner: tuple[str, str]) -> str:
        raise NotImplementedError

    def list_files(self, request: Request, parts: tuple[str, ...]) -> Reply:
        owner = (parts[0], parts[1])
        recursive = request.query.get("recursive", "false").lower() == "true"
        entries = files.list_files(self._root(owner), self._files_url(owner), recursive=recursive)
        return rest.list_reply(
            self.base,
            "files",
            request.path,
            request.query,
            lambda start: [e for e in entries if e["name"] > (start or "")],
            key="name",
        )

    def _file(self, parts: tuple[str, ...]) -> tuple[Path, dict[str, str]]:
        owner = (parts[0], parts[1])
        path = files.resolve(self._root(owner), parts[2])
        return path, files.file_headers(path, f"{self._files_url(owner)}/{parts[2]}")

    def get_file(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        if path.is_dir():
            raise BatchServiceError("FileNotFound")
        chunks = files.read_range(path, request.headers.get("ocp-range"))
        return Reply(200, None, headers, chunks=chunks)

    def file_properties(self, request: Request, parts: tuple[str, ...]) -> Reply:
        path, headers = self._file(parts)
        headers["Content-Length"] = str(path.stat().st_size if path.is_file() else 0)
        return Reply(200, None, headers, content=b"", length_framed=True)

    def delete_file(self, request: Request, parts: tuple[str, ...]) -> Reply:
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


class TaskFileOperations(_FileOperations):
    """The files in a task's folder on its node."""

    ROUTES = (
        ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files", "list_files"),
        ("GET", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "get_file"),
        ("HEAD", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "file_properties"),
        ("DELETE", "/jobs/([^/]+)/tasks/([^/]+)/files/(.+)", "delete_file"),
    )

    def _root(self, owner: tuple[str, str]) -> Path:
        job_id, task_id = owner
        task = self._task(job_id, task_id)
        node_id = (task.get("nodeInfo") or {}).get("nodeId")
        if not node_id:
            raise BatchServiceError(
                "OperationInvalidForCurrentState",
                "The task has not been scheduled to a node yet, so it has no files.",
            )
        return NodeLayout(self.engine.config.data_dir, node_id).task_dir(job_id, task_id)

    def _files_url(self, owner: tuple[str, str]) -> str:
        return f"{self.base}/jobs/{owner[0]}/tasks/{owner[1]}/files"


class NodeFileOperations(_FileOperations):
    """The files under a node's root folder."""

    ROUTES = (
        ("GET", "/pools/([^/]+)/nodes/([^/]+)/files", "list_files"),
        ("GET", "/pools/([^/]+)/nodes/([^/]+)/files/(.+)", "get_file"),
        ("HEAD", "/pools/([^/]+)/nodes/([^/]+)/files/(.+)", "file_properties"),
        ("DELETE", "/pools/([^/]+)/nodes/([^/]+)/files/(.+)", "delete_file"),
    )

    def _root(self, owner: tuple[str, str]) -> Path:
        pool_id, node_id = owner
        self._pool(pool_id)
        if node_id not in {node["id"] for node in self.store.list_nodes(pool_id)}:
            raise BatchServiceError("NodeNotFound")
        return NodeLayout(self.engine.config.data_dir, node_id).root

    def _files_url(self, owner: tuple[str, str]) -> str:
        return f"{self.base}/pools/{owner[0]}/nodes/{owner[1]}/files"
