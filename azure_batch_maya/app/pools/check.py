"""`pools check`: can this pool's nodes render? One small task per node, judged here.

A short job on the pool runs `node/check_node.py` once per node (each task takes all of a
node's slots, so two never share one) and reads what it printed from the task's stdout;
nodes whose start task failed or that are unusable cannot run it, so their own state and the
end of their start task's stderr are reported instead. The job is deleted afterwards, whatever
happened. `app.pools.findings` judges each node's report: the CLI's table and the Pools tab's dialog
show the same findings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shlex
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.batch import models

import azure_batch_maya
from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import START_TASK_STDERR
from azure_batch_maya.app.jobs.status import node_os_of
from azure_batch_maya.app.pools.findings import CheckReport, Finding, NodeCheck, findings_of
from azure_batch_maya.node.fetch_inputs import blob_url
from azure_batch_maya.node.manifest import blob_name
from azure_batch_maya.render.job import NODE_ENVIRONMENT
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.render.renderers import renderer_for
from azure_batch_maya.render.tasks import safe_id
from azure_batch_maya.services import jobs, pools, storage, tasks
from azure_batch_maya.services.batch import JobSpec, ResourceFileSpec, TaskSpec
from azure_batch_maya.services.errors import ServiceError
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.settings.preferences import mark_checked
from azure_batch_maya.transfer.manifest import STORE_CONTAINER

log = logging.getLogger(__name__)

CHECK_SCRIPT = Path(azure_batch_maya.__file__).resolve().parent / "node" / "check_node.py"
NODE_SCRIPT = "azbm_check_node.py"
DEFAULT_MIN_FREE_GB = 20.0
DEFAULT_TIMEOUT = timedelta(minutes=20)
TASK_TIME_LIMIT = timedelta(minutes=10)
STDERR_TAIL = 1500
# Nodes that can take the check now, nodes that never will, and nodes on their way out; any
# other (starting, waiting for its start task, rebooting) is reported as not ready yet.
READY_STATES = {"idle", "running"}
BROKEN_STATES = {"starttaskfailed", "unusable", "unknown"}
GONE_STATES = {"leavingpool", "preempted", "deallocated", "deallocating"}
# Variables that name licence servers (port@host, host:port, licset://host:port) the renderers'
# clients read; each one set in the job's variables is checked for an answer.
LICENCE_VARIABLES = (
    "ADSKFLEX_LICENSE_FILE",
    "solidangle_LICENSE",
    "RLM_LICENSE",
    "VRAY_AUTH_CLIENT_SETTINGS",
    "redshift_LICENSE",
)


class NodeCheckError(Exception):
    """The check cannot run on this pool; the message says why and what to do."""


@dataclass(frozen=True)
class CheckOptions:
    """What to check: the renderers' plug-ins, the job's variables (licence servers among
    them), the free disk a node needs, how many nodes (None: all), how long to wait."""

    renderers: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    min_free_gb: float = DEFAULT_MIN_FREE_GB
    sample: int | None = None
    timeout: timedelta = DEFAULT_TIMEOUT


Progress = Callable[[int, int], None]


def check_pool(
    conn: Connection,
    pool_id: str,
    options: CheckOptions | None = None,
    *,
    on_progress: Progress | None = None,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
    interval: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> CheckReport:
    """Run the check on the pool's nodes (or a sample), wait, collect, delete the job."""
    options = options or CheckOptions()
    now = now or datetime.now(timezone.utc)
    plugins = _plugins(options.renderers)
    pool = pools.get_pool(conn.batch, pool_id)
    node_os = node_os_of(pool.virtual_machine_configuration)
    nodes = pools.list_nodes(conn.batch, pool_id)
    states = {n.id or "": _state(n) for n in nodes}
    broken = [n for n in nodes if states[n.id or ""] in BROKEN_STATES]
    usable = [n for n in nodes if states[n.id or ""] in READY_STATES]
    waiting = [
        n for n in nodes if states[n.id or ""] not in BROKEN_STATES | READY_STATES | GONE_STATES
    ]
    if options.sample is not None:
        if options.sample < 1:
            raise NodeCheckError("check a sample of 1 node or more")
        usable = usable[: options.sample]
    results = [_broken_node(conn, pool_id, n) for n in broken]
    results += [_not_ready(n.id or "?", states[n.id or ""]) for n in waiting]
    if not usable:
        if results:
            return CheckReport(pool_id, "", tuple(results))
        raise NodeCheckError(
            f"pool {pool_id} has no nodes to check; resize it first "
            f"(`azure-batch-maya pools resize {pool_id} --dedicated 1`)"
        )
    job_id = safe_id(f"azbm-check-{pool_id}-{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:4]}")
    script_url = _publish_script(conn, now)
    licence_vars = [v for v in LICENCE_VARIABLES if options.environment.get(v)]
    command = check_command_line(node_os, plugins, licence_vars)
    slots = pool.task_slots_per_node or 1
    specs = [
        TaskSpec(
            id=f"check-{index:03d}",
            command_line=command,
            display_name=f"node check {index}",
            resource_files=(ResourceFileSpec(file_path=NODE_SCRIPT, http_url=script_url),),
            required_slots=slots,
            max_wall_clock_time=TASK_TIME_LIMIT,
            max_retries=0,
        )
        for index in range(1, len(usable) + 1)
    ]
    job = JobSpec(
        id=job_id,
        pool_id=pool_id,
        display_name=f"azure-batch-maya node check of {pool_id}",
        environment={**NODE_ENVIRONMENT, **options.environment},
        metadata={"created_by": f"azure-batch-maya {azure_batch_maya.__version__}"},
        max_task_retry_count=0,
    )
    jobs.submit_job(conn.batch, job, specs)
    log.info("node check %s: %d tasks on pool %s", job_id, len(specs), pool_id)
    try:
        finished = _wait(conn, job_id, len(specs), options, on_progress, cancel, interval, sleep)
        by_node: dict[str, NodeCheck] = {}
        for task in finished:  # a quick node may have run two: one row a node
            row = _checked_node(conn, job_id, task, states, options)
            by_node.setdefault(row.node_id, row)
        checked = list(by_node.values())
    finally:
        _delete_quietly(conn, job_id)
    mark_checked(pool_id)
    return CheckReport(pool_id, job_id, tuple(results + checked))


def check_notice(pool_id: str, *, local: bool = False) -> str:
    """What submit says about a pool whose nodes were never checked."""
    flag = " --local" if local else ""
    return (
        f"Pool {pool_id} has not been checked from here: `azure-batch-maya pools check "
        f"{pool_id}{flag}` (or Check Nodes on the Pools tab) shows whether its nodes have Maya, "
        "the renderer's plug-in and the licence servers before frames fail."
    )


# The check script needs Python 3.7+ (Rocky 8's python3 is 3.6; mayapy of Maya 2022+ is 3.7+).
_PY37 = "import sys; sys.exit(sys.version_info < (3, 7))"


def check_command_line(node_os: NodeOS, plugins: Sequence[str], licence_vars: Sequence[str]) -> str:
    """Run the check with python3 if the node has it, else mayapy (the install route's first)."""
    args: list[str] = []
    for plugin in plugins:
        args += ["--plugin", plugin]
    for name in licence_vars:
        args += ["--licence-var", name]
    for arg in args:
        if not all(c.isalnum() or c in "_.-" for c in arg):
            raise NodeCheckError(f"{arg!r} cannot be passed to the node check")
    if node_os == "linux":
        tail = " ".join(shlex.quote(a) for a in [NODE_SCRIPT, *args])
        script = (
            'for p in python3 "$AZ_BATCH_NODE_SHARED_DIR/azbm-install/bin/mayapy" mayapy '
            "/usr/autodesk/maya*/bin/mayapy; do "
            f'if command -v "$p" >/dev/null 2>&1 && "$p" -c "{_PY37}" 2>/dev/null; then '
            f'exec "$p" {tail}; fi; done; '
            'echo "no Python 3.7+ on this node: neither python3 nor mayapy" >&2; exit 127'
        )
        return "/bin/sh -c " + shlex.quote(script)
    tail = " ".join([NODE_SCRIPT, *args])
    script = (
        "$p = @('python', (Join-Path $env:AZ_BATCH_NODE_SHARED_DIR "
        "'azbm-install\\bin\\mayapy.cmd'), 'mayapy.exe') | Where-Object { Get-Command $_ "
        "-ErrorAction SilentlyContinue } | Select-Object -First 1; if (-not $p) { "
        "[Console]::Error.WriteLine('no Python on this node: neither python nor mayapy'); "
        f"exit 127 }}; & $p {tail}; exit $LASTEXITCODE"
    )
    return f'cmd /c powershell.exe -NoProfile -NonInteractive -Command "{script}"'


# Steps ----------------------------------------------------------------------------------------


def _plugins(renderers: Sequence[str]) -> list[str]:
    try:
        found = [renderer_for(r).plugin for r in renderers]
    except Exception as exc:  # the renderer table's own error names the supported ones
        raise NodeCheckError(str(exc)) from None
    return [p for p in dict.fromkeys(found) if p]


def _state(node: models.BatchNode) -> str:
    return str(getattr(node.state, "value", node.state) or "unknown").lower()


def _publish_script(conn: Connection, now: datetime) -> str:
    data = CHECK_SCRIPT.read_bytes()
    name = f"code/{blob_name(hashlib.sha256(data).hexdigest())}"
    storage.ensure_container(conn.blobs, STORE_CONTAINER)
    if not any(
        b.name == name for b in storage.list_blobs(conn.blobs, STORE_CONTAINER, prefix=name)
    ):
        storage.upload_file(conn.blobs, STORE_CONTAINER, CHECK_SCRIPT, name)
    sas = create_container_sas_url(
        conn.blobs, STORE_CONTAINER, access=SasAccess.INPUTS, time_limit=timedelta(days=1), now=now
    )
    return blob_url(sas, name)


def _wait(
    conn: Connection,
    job_id: str,
    total: int,
    options: CheckOptions,
    on_progress: Progress | None,
    cancel: threading.Event | None,
    interval: float,
    sleep: Callable[[float], None],
) -> list[models.BatchTask]:
    deadline = time.monotonic() + options.timeout.total_seconds()
    while True:
        listed = tasks.list_tasks(
            conn.batch, job_id, select=["id", "state", "nodeInfo", "executionInfo"]
        )
        done = [t for t in listed if str(getattr(t.state, "value", t.state)) == "completed"]
        if on_progress is not None:
            on_progress(len(done), total)
        if len(done) == total:
            return done
        if cancel is not None and cancel.is_set():
            raise NodeCheckError("the node check was cancelled")
        if time.monotonic() > deadline:
            minutes = options.timeout.total_seconds() / 60
            raise NodeCheckError(
                f"the node check ran {len(done)} of {total} tasks in {minutes:.0f} minutes: "
                "the other nodes are busy (running jobs) or still starting; try again when "
                "they are idle, or check fewer with --sample"
            )
        sleep(interval)


def _checked_node(
    conn: Connection,
    job_id: str,
    task: models.BatchTask,
    states: Mapping[str, str],
    options: CheckOptions,
) -> NodeCheck:
    node_id = task.node_info.node_id if task.node_info and task.node_info.node_id else "?"
    info = task.execution_info
    exit_code = info.exit_code if info is not None else None
    stdout = _read(conn, job_id, task.id or "", "stdout.txt")
    report = _last_json(stdout)
    if exit_code != 0 or report is None:
        stderr = _read(conn, job_id, task.id or "", "stderr.txt")[-STDERR_TAIL:]
        failure = info.failure_info if info is not None else None
        reason = (failure.message or failure.code or "") if failure is not None else ""
        detail = f"exit code {exit_code}" + (f" ({reason})" if reason else "")
        finding = Finding(
            "check task",
            False,
            f"{detail}: {stderr.strip() or stdout.strip() or 'no output'}",
            "the node has no Python to run the check (python3 or mayapy): give the pool Maya "
            "(see `mayapy` remedies in docs/nodes.md)"
            if exit_code == 127
            else "read the task's stderr above; run `pools check` again once fixed",
        )
        return NodeCheck(node_id, states.get(node_id, "?"), "", "", (finding,), report)
    findings = findings_of(report, renderers=options.renderers, min_free_gb=options.min_free_gb)
    os_info = report.get("os") or {}
    os_name = os_info.get("distro") or f"{os_info.get('system', '')} {os_info.get('release', '')}"
    maya = report.get("maya") or {}
    version = str(maya.get("version", "")) if maya.get("path") and not maya.get("error") else ""
    return NodeCheck(node_id, states.get(node_id, "?"), os_name.strip(), version, findings, report)


def _broken_node(conn: Connection, pool_id: str, node: models.BatchNode) -> NodeCheck:
    """A node that cannot run the check: its state, its start task's exit and stderr."""
    node_id = node.id or "?"
    state = _state(node)
    info = node.start_task_info
    if state == "starttaskfailed":
        stderr = pools.node_file_text(conn.batch, pool_id, node_id, START_TASK_STDERR)[
            -STDERR_TAIL:
        ]
        code = info.exit_code if info is not None else None
        finding = Finding(
            "start task",
            False,
            f"failed (exit code {code}): {stderr.strip() or 'no stderr'}",
            "read startup/wd/install.log on the node; fix or remove the installer "
            "(`azure-batch-maya nodes installers remove NAME`), then make the pool again "
            "(or reboot the node to retry)",
        )
    else:
        errors = "; ".join(
            f"{e.code}: {e.message}" for e in (node.errors or []) if e.code or e.message
        )
        finding = Finding(
            "node",
            False,
            f"{state}" + (f" ({errors})" if errors else ""),
            "remove the node from the pool (or reimage it); if every node does this, check "
            "the pool's image, subnet and network security rules",
        )
    return NodeCheck(node_id, state, "", "", (finding,))


def _not_ready(node_id: str, state: str) -> NodeCheck:
    finding = Finding(
        "node",
        False,
        f"not ready yet ({state})",
        "run the check again once `pools list` shows the pool's nodes idle",
    )
    return NodeCheck(node_id, state, "", "", (finding,))


def _read(conn: Connection, job_id: str, task_id: str, name: str) -> str:
    try:
        data = tasks.read_task_file(conn.batch, job_id, task_id, name)
    except ServiceError as exc:
        log.debug("no %s for %s/%s: %s", name, job_id, task_id, exc)
        return ""
    return data.decode("utf-8", errors="replace")


def _last_json(text: str) -> dict[str, Any] | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _delete_quietly(conn: Connection, job_id: str) -> None:
    try:
        jobs.begin_delete_job(conn.batch, job_id, polling_interval=1)
    except ServiceError as exc:  # the report matters more than the tidy-up
        log.warning("could not delete the node check job %s: %s", job_id, exc)
