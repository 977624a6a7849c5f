"""Resource files in from a container SAS, output files out to another, through Azurite."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from azure.batch import models as m
from azure.storage.blob import (
    BlobServiceClient,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)

from azure_batch_maya.local.transfer import matched_files, should_upload
from tests.local.conftest import pool_options, py, wait_for


def test_matched_files_keep_paths_below_the_fixed_part(tmp_path):
    (tmp_path / "wd" / "images" / "beauty").mkdir(parents=True)
    (tmp_path / "wd" / "images" / "beauty" / "a.exr").write_bytes(b"a")
    (tmp_path / "wd" / "images" / "b.exr").write_bytes(b"b")
    (tmp_path / "stdout.txt").write_bytes(b"")
    working = tmp_path / "wd"
    names = [name for _, name in matched_files("images/**/*.exr", working)]
    assert names == ["b.exr", "beauty/a.exr"]
    assert [n for _, n in matched_files("images/*.exr", working)] == ["b.exr"]
    assert matched_files("../stdout.txt", working) == [(working / "../stdout.txt", "")]
    assert matched_files("nothing.txt", working) == []


def test_upload_conditions():
    assert should_upload("TaskSuccess", True) and not should_upload("TaskSuccess", False)
    assert should_upload("taskFailure", False) and not should_upload("TaskFailure", True)
    assert should_upload("TaskCompletion", True) and should_upload("TaskCompletion", False)


def _sas(azurite, container, permission):
    token = generate_container_sas(
        azurite.account_name,
        container,
        account_key=azurite.account_key,
        permission=permission,
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    return f"{azurite.blob_endpoint}/{container}?{token}"


def _output(pattern, url, path, condition):
    return m.OutputFile(
        file_pattern=pattern,
        destination=m.OutputFileDestination(
            container=m.OutputFileBlobContainerDestination(container_url=url, path=path)
        ),
        upload_options=m.OutputFileUploadConfiguration(upload_condition=condition),
    )


def test_resource_files_in_and_output_files_out(batch, azurite):
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    inputs = service.create_container("transfer-inputs")
    outputs = service.create_container("transfer-outputs")
    inputs.upload_blob("project/scenes/shot.ma", b"//Maya ASCII scene")
    inputs.upload_blob("project/sourceimages/wall.tif", b"TIFF")
    inputs.upload_blob("elsewhere/ignored.txt", b"no")
    inputs.upload_blob("single/notes.txt", b"notes")
    read = _sas(azurite, "transfer-inputs", ContainerSasPermissions(read=True, list=True))
    write = _sas(azurite, "transfer-outputs", ContainerSasPermissions(write=True, create=True))
    notes_sas = generate_blob_sas(
        azurite.account_name,
        "transfer-inputs",
        "single/notes.txt",
        account_key=azurite.account_key,
        permission="r",
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    resources = [
        m.ResourceFile(storage_container_url=read, blob_prefix="project/", file_path="in"),
        m.ResourceFile(
            http_url=f"{azurite.blob_endpoint}/transfer-inputs/single/notes.txt?{notes_sas}",
            file_path="notes.txt",
        ),
    ]
    render = py(
        "import pathlib; scene = pathlib.Path('in/project/scenes/shot.ma').read_text();"
        " assert pathlib.Path('in/project/sourceimages/wall.tif').exists();"
        " assert not pathlib.Path('in/elsewhere').exists();"
        " assert pathlib.Path('notes.txt').read_text() == 'notes';"
        " out = pathlib.Path('images/beauty'); out.mkdir(parents=True);"
        " [(out / f'shot.{f:04d}.exr').write_text(scene) for f in (1, 2)]; print('rendered')"
    )
    outputs_spec = [
        _output("images/**/*.exr", write, "job/images", "taskSuccess"),
        _output("../stdout.txt", write, "job/logs/render/stdout.txt", "taskCompletion"),
        _output("../stderr.txt", write, "job/logs/render/stderr.txt", "taskFailure"),
    ]
    batch.create_pool(pool_options("transfer", nodes=1))
    batch.create_job(
        m.BatchJobCreateOptions(id="transfer-job", pool_info=m.BatchPoolInfo(pool_id="transfer"))
    )
    batch.create_tasks(
        "transfer-job",
        [
            m.BatchTaskCreateOptions(
                id="render",
                command_line=render,
                resource_files=resources,
                output_files=outputs_spec,
            ),
            m.BatchTaskCreateOptions(
                id="broken",
                command_line=py("import sys; sys.exit('no licence')"),
                output_files=[
                    _output("../stderr.txt", write, "job/logs/broken/stderr.txt", "taskFailure")
                ],
            ),
            m.BatchTaskCreateOptions(
                id="no-inputs",
                command_line=py("pass"),
                resource_files=[
                    m.ResourceFile(
                        storage_container_url=_sas(
                            azurite,
                            "missing-container",
                            ContainerSasPermissions(read=True, list=True),
                        )
                    )
                ],
            ),
        ],
    )
    wait_for(lambda: batch.get_job_task_counts("transfer-job").task_counts.completed == 3)

    task = batch.get_task("transfer-job", "render")
    assert task.execution_info.result == "success", task.execution_info.failure_info
    assert task.output_files[0].upload_options.upload_condition == "TaskSuccess"
    blobs = {b.name for b in outputs.list_blobs()}
    assert blobs == {
        "job/images/beauty/shot.0001.exr",
        "job/images/beauty/shot.0002.exr",
        "job/logs/render/stdout.txt",
        "job/logs/broken/stderr.txt",
    }
    frame = outputs.download_blob("job/images/beauty/shot.0002.exr").readall()
    assert frame == b"//Maya ASCII scene"
    assert b"no licence" in outputs.download_blob("job/logs/broken/stderr.txt").readall()

    failed = batch.get_task("transfer-job", "no-inputs").execution_info
    assert failed.result == "failure"
    assert failed.failure_info.code == "ResourceFileDownloadFailed"
    batch.begin_delete_job("transfer-job", polling_interval=0.1).result()
    batch.begin_delete_pool("transfer", polling_interval=0.1)
