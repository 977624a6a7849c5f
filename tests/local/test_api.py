"""The REST surface, driven by the real azure-batch client over HTTP."""

from __future__ import annotations

import http.client
import json
import sys
from typing import Any

import pytest
from azure.batch import models as m
from azure.batch.models._models import BatchJobTerminateOptions as TerminateOptions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError

from tests.local.conftest import code_of, pool_options, py, wait_for


def test_pool_create_get_select_resize_delete(batch):
    batch.create_pool(
        pool_options(
            "api-pool", nodes=1, metadata=[m.BatchMetadataItem(name="project", value="shot010")]
        )
    )
    pool = wait_for(lambda: (p := batch.get_pool("api-pool")).allocation_state == "steady" and p)
    assert pool.state == "active"
    assert pool.current_dedicated_nodes == 1
    assert pool.vm_size == "standard_d2s_v3"
    assert pool.resize_timeout.total_seconds() == 900
    assert pool.metadata[0].value == "shot010"
    assert pool.virtual_machine_configuration.image_reference.version == "latest"

    selected = batch.get_pool("api-pool", select=["id", "state"])
    assert selected.as_dict() == {
        "odata.metadata": selected.as_dict()["odata.metadata"],
        "id": "api-pool",
        "state": "active",
    }

    batch.begin_resize_pool(
        "api-pool",
        m.BatchPoolResizeOptions(target_dedicated_nodes=2, target_low_priority_nodes=1),
        polling_interval=0.1,
    ).result()
    pool = batch.get_pool("api-pool")
    assert (pool.current_dedicated_nodes, pool.current_low_priority_nodes) == (2, 1)
    nodes = list(batch.list_nodes("api-pool"))
    assert sorted(n.is_dedicated for n in nodes) == [False, True, True]
    assert all(n.state == "idle" and n.affinity_id == f"TVM:{n.id}" for n in nodes)
    assert batch.get_node("api-pool", nodes[0].id).id == nodes[0].id

    batch.begin_resize_pool(
        "api-pool", m.BatchPoolResizeOptions(target_dedicated_nodes=0), polling_interval=0.1
    ).result()
    assert list(batch.list_nodes("api-pool")) == []

    with pytest.raises(ResourceExistsError) as exists:
        batch.create_pool(pool_options("api-pool"))
    assert code_of(exists.value) == "PoolExists"

    batch.begin_delete_pool("api-pool", polling_interval=0.1)
    states: list[str | None] = []

    def gone() -> bool:
        states.append(_pool_state(batch, "api-pool"))
        return states[-1] is None

    wait_for(gone)
    assert set(states) <= {"deleting", None}
    with pytest.raises(ResourceNotFoundError) as missing:
        batch.get_pool("api-pool")
    assert code_of(missing.value) == "PoolNotFound"


def _pool_state(batch, pool_id):
    try:
        return batch.get_pool(pool_id, select=["state"]).state
    except ResourceNotFoundError:
        return None


def test_a_resize_beyond_the_machine_reports_a_resize_error(batch, local_pool):
    batch.create_pool(pool_options("greedy", nodes=500))
    pool = wait_for(lambda: (p := batch.get_pool("greedy")).allocation_state == "steady" and p)
    assert pool.current_dedicated_nodes <= 16
    assert pool.resize_errors[0].code == "AccountCoreQuotaReached"
    batch.begin_delete_pool("greedy", polling_interval=0.1).result()


def test_list_pools_filter_select_and_paging(batch):
    for name in ("page-a", "page-b", "page-c"):
        batch.create_pool(pool_options(name, nodes=0))
    pages = batch.list_pools(
        filter="startswith(id,'page-')", select=["id", "state"], max_results=1
    ).by_page()
    seen = [[pool.as_dict() for pool in page] for page in pages]
    assert [[p["id"] for p in page] for page in seen] == [["page-a"], ["page-b"], ["page-c"]]
    assert all(set(page[0]) == {"id", "state"} for page in seen)
    for name in ("page-a", "page-b", "page-c"):
        batch.begin_delete_pool(name, polling_interval=0.1)


def test_raw_wire_format_matches_the_recordings(local_pool, batch):
    """Headers and bodies the client does not check but the service sends."""
    batch.create_pool(pool_options("wire", nodes=0))
    from azure.core.rest import HttpRequest

    response = batch.send_request(HttpRequest("GET", "/pools/wire?api-version=2025-06-01"))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; odata=minimalmetadata"
    assert response.headers["DataServiceVersion"] == "3.0"
    assert response.headers["Server"] == "Microsoft-HTTPAPI/2.0"
    assert response.headers["Transfer-Encoding"] == "chunked"
    body = response.json()
    assert body["odata.metadata"] == f"{local_pool.url}/$metadata#pools/@Element"
    assert response.headers["ETag"] == body["eTag"] and body["eTag"].startswith("0x")
    assert len(body["creationTime"].split(".")[1]) <= 8

    with pytest.raises(ResourceNotFoundError) as caught:
        batch.send_request(HttpRequest("GET", "/pools/none?api-version=2025-06-01"))
    missing: Any = caught.value.response
    error = missing.json()
    assert missing.status_code == 404 and "Content-Length" in missing.headers
    assert error["code"] == "PoolNotFound"
    assert error["message"]["value"].startswith("The specified pool does not exist.\nRequestId:")
    assert error["odata.metadata"].endswith("Container.errors/@Element")

    with pytest.raises(HttpResponseError) as unversioned:
        batch.send_request(HttpRequest("GET", "/pools"))
    assert code_of(unversioned.value) == "MissingRequiredQueryParameter"

    with pytest.raises(HttpResponseError) as invalid:
        batch.send_request(HttpRequest("GET", "/pools?api-version=2025-06-01&maxresults=-5"))
    bad: Any = invalid.value.response
    assert bad.status_code == 400
    assert bad.json()["values"][2] == {"key": "Reason", "value": "MaxResults cannot be less than 1"}
    batch.begin_delete_pool("wire", polling_interval=0.1)


def test_head_pool_answers_existence_without_a_body(batch):
    from azure.core.rest import HttpRequest

    batch.create_pool(pool_options("headed", nodes=0))
    found = batch.send_request(HttpRequest("HEAD", "/pools/headed?api-version=2025-06-01"))
    assert found.status_code == 200 and found.headers["ETag"].startswith("0x")
    assert found.read() == b""
    with pytest.raises(ResourceNotFoundError) as caught:
        batch.send_request(HttpRequest("HEAD", "/pools/absent?api-version=2025-06-01"))
    assert caught.value.status_code == 404
    # pool_exists() is broken in azure-batch 15.1; get_pool(select=["id"]) is the check to use.
    assert batch.get_pool("headed", select=["id"]).id == "headed"
    batch.begin_delete_pool("headed", polling_interval=0.1)


def test_replace_job_resets_what_is_not_sent(batch):
    batch.create_pool(pool_options("replace-pool", nodes=0))
    batch.create_job(
        m.BatchJobCreateOptions(
            id="replace-job",
            pool_info=m.BatchPoolInfo(pool_id="replace-pool"),
            priority=10,
            metadata=[m.BatchMetadataItem(name="a", value="1")],
        )
    )
    before = batch.get_job("replace-job")
    batch.replace_job(
        "replace-job",
        m.BatchJob(pool_info=m.BatchPoolInfo(pool_id="replace-pool"), priority=500),
    )
    after = batch.get_job("replace-job")
    assert (after.priority, after.metadata) == (500, None)
    assert after.etag != before.etag and after.last_modified >= before.last_modified
    batch.begin_delete_job("replace-job", polling_interval=0.1).result()
    batch.begin_delete_pool("replace-pool", polling_interval=0.1)


def test_unsigned_requests_are_refused(local_pool):
    connection = http.client.HTTPConnection("127.0.0.1", local_pool.port, timeout=10)
    connection.request("GET", "/pools?api-version=2025-06-01")
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 401 and body["code"] == "AuthenticationFailed"


def test_jobs_create_get_update_list_terminate_delete(batch):
    batch.create_pool(pool_options("jobs-pool", nodes=1))
    batch.create_job(
        m.BatchJobCreateOptions(
            id="job-meta",
            pool_info=m.BatchPoolInfo(pool_id="jobs-pool"),
            metadata=[m.BatchMetadataItem(name="scene", value="shot010.ma")],
            constraints=m.BatchJobConstraints(max_task_retry_count=2),
        )
    )
    with pytest.raises(ResourceExistsError) as exists:
        batch.create_job(
            m.BatchJobCreateOptions(id="job-meta", pool_info=m.BatchPoolInfo(pool_id="jobs-pool"))
        )
    assert code_of(exists.value) == "JobExists"

    job = batch.get_job("job-meta")
    assert (job.state, job.priority, job.max_parallel_tasks) == ("active", 0, -1)
    assert job.metadata[0].value == "shot010.ma"
    assert job.execution_info.pool_id == "jobs-pool"
    batch.update_job("job-meta", m.BatchJobUpdateOptions(priority=100))
    assert batch.get_job("job-meta").priority == 100
    assert batch.get_job("job-meta").constraints.max_task_retry_count == 2

    active = [j.id for j in batch.list_jobs(filter="state eq 'active'")]
    assert "job-meta" in active
    assert [j.id for j in batch.list_jobs(filter="startswith(id,'job-m')")] == ["job-meta"]

    batch.create_task("job-meta", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    with pytest.raises(ResourceExistsError) as task_exists:
        batch.create_task("job-meta", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    assert code_of(task_exists.value) == "TaskExists"
    with pytest.raises(ResourceNotFoundError) as no_task:
        batch.get_task("job-meta", "missing")
    assert code_of(no_task.value) == "TaskNotFound"

    # azure-batch 15.1 cannot send a terminate without options (it fails on a None header),
    # and does not export the options class.
    batch.begin_terminate_job(
        "job-meta", TerminateOptions(termination_reason="Cancelled"), polling_interval=0.1
    ).result()
    job = batch.get_job("job-meta")
    assert job.state == "completed"
    assert job.execution_info.termination_reason == "Cancelled"
    assert job.execution_info.end_time is not None

    batch.begin_delete_job("job-meta", polling_interval=0.1).result()
    with pytest.raises(ResourceNotFoundError) as gone:
        batch.get_job("job-meta")
    assert code_of(gone.value) == "JobNotFound"
    batch.begin_delete_pool("jobs-pool", polling_interval=0.1)


def test_auto_pool_is_created_for_the_job_and_deleted_with_it(batch):
    spec = m.BatchAutoPoolSpecification(
        auto_pool_id_prefix="render",
        pool_lifetime_option="job",
        pool=m.BatchPoolSpecification(
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=pool_options("x").virtual_machine_configuration,
            target_dedicated_nodes=1,
        ),
    )
    batch.create_job(
        m.BatchJobCreateOptions(
            id="auto-job",
            pool_info=m.BatchPoolInfo(auto_pool_specification=spec),
            all_tasks_complete_mode="noaction",
        )
    )
    batch.create_task("auto-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    task = wait_for(lambda: (t := batch.get_task("auto-job", "t")).state == "completed" and t)
    assert task.execution_info.result == "success"
    pool_id = batch.get_job("auto-job").execution_info.pool_id
    assert pool_id.startswith("render_")
    assert task.node_info.pool_id == pool_id
    batch.begin_terminate_job(
        "auto-job", TerminateOptions(termination_reason="Done"), polling_interval=0.1
    ).result()
    wait_for(lambda: _pool_state(batch, pool_id) is None)
    batch.begin_delete_job("auto-job", polling_interval=0.1)


def test_supported_images_and_node_counts(batch):
    images = list(batch.list_supported_images())
    assert images and all(i.node_agent_sku_id.startswith("batch.node.") for i in images)
    assert {i.os_type for i in images} == {"windows" if sys.platform == "win32" else "linux"}
    batch.create_pool(pool_options("counted", nodes=2))
    wait_for(lambda: batch.get_pool("counted").allocation_state == "steady")
    counts = {c.pool_id: c for c in batch.list_pool_node_counts()}
    assert counts["counted"].dedicated.idle == 2 and counts["counted"].dedicated.total == 2
    assert counts["counted"].low_priority.total == 0
    batch.begin_delete_pool("counted", polling_interval=0.1)


def test_every_list_pages_through_skip_tokens(batch):
    batch.create_pool(pool_options("paged", nodes=0))
    batch.create_job(
        m.BatchJobCreateOptions(id="paged-job", pool_info=m.BatchPoolInfo(pool_id="paged"))
    )
    batch.create_tasks(
        "paged-job", [m.BatchTaskCreateOptions(id=f"t{i:02d}", command_line="x") for i in range(7)]
    )
    pages = [
        [t.id for t in page] for page in batch.list_tasks("paged-job", max_results=3).by_page()
    ]
    assert pages == [["t00", "t01", "t02"], ["t03", "t04", "t05"], ["t06"]]
    images = list(batch.list_supported_images(max_results=1))
    assert len(images) == len(list(batch.list_supported_images()))
    batch.begin_delete_job("paged-job", polling_interval=0.1).result()
    batch.begin_delete_pool("paged", polling_interval=0.1)


def test_update_pool_and_stop_a_resize(batch):
    batch.create_pool(pool_options("tuned", nodes=0))
    wait_for(lambda: batch.get_pool("tuned").allocation_state == "steady")
    before = batch.get_pool("tuned")
    batch.update_pool(
        "tuned",
        m.BatchPoolUpdateOptions(metadata=[m.BatchMetadataItem(name="show", value="demo")]),
    )
    after = batch.get_pool("tuned")
    assert after.metadata[0].value == "demo" and after.etag != before.etag
    batch.begin_stop_pool_resize("tuned", polling_interval=0.1).result()
    assert batch.get_pool("tuned").allocation_state == "steady"
    batch.begin_delete_pool("tuned", polling_interval=0.1)


def test_a_collection_over_one_megabyte_is_413_and_the_client_splits_it(batch):
    batch.create_pool(pool_options("bulky", nodes=0))
    batch.create_job(
        m.BatchJobCreateOptions(id="bulky-job", pool_info=m.BatchPoolInfo(pool_id="bulky"))
    )
    padding = "x" * 15_000  # 100 such tasks make a request of about 1.5 MB
    tasks = [
        m.BatchTaskCreateOptions(
            id=f"t{i:03d}",
            command_line="run",
            environment_settings=[m.EnvironmentSetting(name="PAD", value=padding)],
        )
        for i in range(100)
    ]
    statuses: list[int] = []

    def record(response):
        if response.http_request.url.split("?")[0].endswith("addtaskcollection"):
            statuses.append(response.http_response.status_code)

    result = batch.create_tasks("bulky-job", tasks, raw_response_hook=record)
    assert len(result.result_values) == 100
    assert statuses[0] == 413 and set(statuses[1:]) == {200}
    assert batch.get_job_task_counts("bulky-job").task_counts.active == 100
    batch.begin_delete_job("bulky-job", polling_interval=0.1).result()
    batch.begin_delete_pool("bulky", polling_interval=0.1)
