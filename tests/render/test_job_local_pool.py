"""The built job, as is, on the local pool with Azurite: the example scene's five frames.

The test plays the upload step's part (code, plan, manifest and content-addressed blobs into
Azurite); everything after that is the job as `build_job` made it: auto-pool, job preparation
fetching the inputs, tasks running the stand-in from the shipped code, images and logs out.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.batch import models as m
from azure.storage.blob import BlobServiceClient, generate_container_sas

from azure_batch_maya.assets.project import node_layout
from azure_batch_maya.node.manifest import Manifest, ManifestEntry
from azure_batch_maya.render.job import JobInputs, build_job, to_batch_models
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.shipping import shipped_files
from tests.local.conftest import client_for, wait_for
from tests.node.example import NOW, example

pytestmark = pytest.mark.slow


def _sas(azurite, container: str, permission: str) -> str:
    token = generate_container_sas(
        azurite.account_name,
        container,
        account_key=azurite.account_key,
        permission=permission,
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    return f"{azurite.blob_endpoint}/{container}?{token}"


def _blob_url(container_url: str, name: str) -> str:
    base, _, query = container_url.partition("?")
    return f"{base}/{name}?{query}"


def test_the_example_renders_five_stand_in_frames_on_the_local_pool(local_pool, azurite):
    batch = client_for(local_pool)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    for name in ("lp-store", "lp-jobs", "lp-outputs"):
        service.create_container(name)
    store = _sas(azurite, "lp-store", "rl")
    jobs = _sas(azurite, "lp-jobs", "rl")
    outputs = _sas(azurite, "lp-outputs", "rwcl")

    ex = example()
    entries = []
    for local in [f.local for f in ex.project.files]:  # the scene and workspace.mel too
        data = Path(local).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        entry = ManifestEntry(node_layout(local), digest, len(data))
        service.get_blob_client("lp-store", entry.blob_name).upload_blob(data, overwrite=True)
        entries.append(entry)
    for rel, code in shipped_files():
        service.get_blob_client("lp-jobs", f"code/{rel}").upload_blob(code.read_bytes())
    inputs = JobInputs(
        store_url=store,
        manifest_url=_blob_url(jobs, "s1/manifest.json"),
        plan_url=_blob_url(jobs, "s1/plan.json"),
        code_urls={rel: _blob_url(jobs, f"code/{rel}") for rel, _ in shipped_files()},
        outputs_url=outputs,
    )
    settings = SubmitSettings(stand_in=True, node_python=sys.executable, job_id="lp-shot010")
    job = build_job(ex.scene, ex.project, settings, inputs, now=NOW)
    service.get_blob_client("lp-jobs", "s1/plan.json").upload_blob(job.plan_text)
    manifest = Manifest("s1", ex.project.name, "2026-11-26T21:00:00Z", tuple(entries))
    service.get_blob_client("lp-jobs", "s1/manifest.json").upload_blob(manifest.to_json())

    job_model, task_models = to_batch_models(job)
    assert job_model.all_tasks_complete_mode == m.BatchAllTasksCompleteMode.TERMINATE_JOB
    # as services' submit_job does: end-on-complete only once every task is added
    job_model.all_tasks_complete_mode = m.BatchAllTasksCompleteMode.NO_ACTION
    batch.create_job(job_model)
    batch.create_tasks(job.job.id, task_models)
    terminate = m.BatchAllTasksCompleteMode.TERMINATE_JOB
    batch.update_job(job.job.id, m.BatchJobUpdateOptions(all_tasks_complete_mode=terminate))
    wait_for(lambda: batch.get_job_task_counts(job.job.id).task_counts.completed == 5, 120)

    counts = batch.get_job_task_counts(job.job.id).task_counts
    if counts.failed:
        failed = [
            t
            for t in batch.list_tasks(job.job.id)
            if t.execution_info is None or t.execution_info.result != "success"
        ]
        logs = service.get_container_client("lp-outputs")
        stderr = logs.download_blob(f"lp-shot010/logs/{failed[0].id}/stderr.txt").readall()
        pytest.fail(f"{counts.failed} tasks failed: {stderr.decode(errors='replace')}")
    blobs = {b.name for b in service.get_container_client("lp-outputs").list_blobs()}
    images = sorted(b for b in blobs if b.startswith("lp-shot010/images/"))
    assert images == [
        f"lp-shot010/images/shot010_lighting/masterLayer/shot010_lighting.{i:04d}.png"
        for i in range(1, 6)
    ]
    for task in job.tasks:
        assert f"lp-shot010/logs/{task.id}/stdout.txt" in blobs
        assert f"lp-shot010/logs/{task.id}/stderr.txt" in blobs
