"""A task whose command succeeded but whose outputs could not be uploaded says why.

Fault: the outputs container is gone (as after storage lost its index). The task exits 0 and
its upload fails: the report must name the upload, not "failed (exit code 0) (no stderr)".
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from azure_batch_maya.app.submit import failed_tasks
from azure_batch_maya.services import jobs, storage
from azure_batch_maya.services.batch import JobSpec, OutputFileSpec, PoolSpec, TaskSpec
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from tests.cli.localjobs import UBUNTU, VM_SIZE, command_line, local, wait_for_job
from tests.faults.conftest import run_cli


def test_a_failed_output_upload_is_named_in_the_report(local_home: Path):
    conn = local()
    container = f"gone-{uuid.uuid4().hex[:8]}"
    storage.ensure_container(conn.blobs, container)
    outputs = create_container_sas_url(
        conn.blobs,
        container,
        access=SasAccess.OUTPUTS,
        time_limit=timedelta(hours=1),
        now=datetime.now(timezone.utc),
    )
    conn.blobs.delete_container(container)  # lost before the task uploads into it
    job_id = f"test-upload-{uuid.uuid4().hex[:8]}"
    task = TaskSpec(
        "frame-0001",
        command_line([sys.executable, "-c", "print('rendered')"]),
        output_files=(OutputFileSpec("../stdout.txt", outputs, "stdout.txt"),),
    )
    spec = JobSpec(job_id, auto_pool=PoolSpec("test-upload", VM_SIZE, UBUNTU, dedicated_nodes=1))
    jobs.submit_job(conn.batch, spec, [task])
    wait_for_job(conn, job_id)
    (failed,) = failed_tasks(conn, job_id)
    assert failed.exit_code == 0
    assert failed.reason.startswith("FileUploadMiscError: Uploading ../stdout.txt")
    assert "sig=" not in failed.reason
    shown = run_cli(local_home, "jobs", "show", job_id, "--local")
    assert "Task frame-0001 failed (exit code 0): FileUploadMiscError" in shown.stdout
