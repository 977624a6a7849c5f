"""Where a local node keeps things, mirroring a Batch node's folders.

`<data>/nodes/<node>/` is AZ_BATCH_NODE_ROOT_DIR with `shared/`, `startup/` and
`workitems/<job>/job-1/<task>/` (task dir, with `wd/`, `stdout.txt`, `stderr.txt`). Host
folders (see `host.py`) live apart, under `<data>/hosts/` (a node's start task under
`<data>/nodehosts/`), so file listings show only what the service would show. The start task
runs in `startup/` (its `wd/`, `stdout.txt`, `stderr.txt`), as on a Batch node.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PREP_TASK_DIR = "jobpreparation"
RELEASE_TASK_DIR = "jobrelease"


@dataclass(frozen=True)
class NodeLayout:
    """The folders of one node of the local pool."""

    data_dir: Path
    node_id: str

    @property
    def root(self) -> Path:
        return self.data_dir / "nodes" / self.node_id

    @property
    def shared(self) -> Path:
        return self.root / "shared"

    @property
    def startup(self) -> Path:
        return self.root / "startup"

    def job_dir(self, job_id: str) -> Path:
        return self.root / "workitems" / job_id / "job-1"

    def task_dir(self, job_id: str, task_id: str) -> Path:
        return self.job_dir(job_id) / task_id

    def prep_dir(self, job_id: str) -> Path:
        return self.job_dir(job_id) / PREP_TASK_DIR

    def relative_task_dir(self, job_id: str, task_id: str) -> str:
        """The `taskRootDirectory` the service reports, with its `\\` separators."""
        return "\\".join(("workitems", job_id, "job-1", task_id))


def host_dir(data_dir: Path, job_id: str, task_id: str, node_id: str, attempt: str) -> Path:
    """The host folder of one attempt of a task (or of a job preparation run on a node)."""
    return task_hosts_dir(data_dir, job_id, task_id) / node_id / attempt


def task_hosts_dir(data_dir: Path, job_id: str, task_id: str) -> Path:
    """Every host folder of one task."""
    return data_dir / "hosts" / job_id / task_id


def start_host_dir(data_dir: Path, node_id: str, boot: int, retry: int) -> Path:
    """The host folder of one run of a node's start task: per boot (a reboot runs it again)
    and per retry, apart from job hosts since a start task belongs to no job."""
    return data_dir / "nodehosts" / node_id / f"start-{boot}-{retry}"


def node_hosts_dir(data_dir: Path, node_id: str) -> Path:
    """Every host folder of a node's own tasks (its start task)."""
    return data_dir / "nodehosts" / node_id
