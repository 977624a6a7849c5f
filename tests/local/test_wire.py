"""Requests of clients nobody here wrote, replayed as raw HTTP against a real local pool.

Captured from the Azure CLI 2.91 (api-version 2024-02-01.19.0, numbers as JSON strings),
azure-batch 11 (2021-06-01.14.0) and the Node.js azure-batch 9 (2020-03-01.11.0, before task
slots). Each request is signed with SharedKey by azure-batch 15's own policy.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest, HttpResponse

from tests.local.conftest import code_of, pool_options, py, wait_for

CLI = "2024-02-01.19.0"
NODE9 = "2020-03-01.11.0"
IMAGE = {
    "imageReference": {"publisher": "canonical", "offer": "ubuntu-24_04-lts", "sku": "server"},
    "nodeAgentSKUId": "batch.node.ubuntu 24.04",
}


def call(
    batch: BatchClient, method: str, path: str, body: Any = None, *, version: str | None = CLI
) -> HttpResponse:
    """Send one request as raw JSON; the response, whatever its status."""
    joint = "&" if "?" in path else "?"
    query = f"{joint}api-version={version}" if version is not None else ""
    request = HttpRequest(
        method,
        f"{path}{query}",
        content=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json; odata=minimalmetadata; charset=utf-8"},
    )
    try:
        response = batch.send_request(request)
    except HttpResponseError as error:
        assert error.response is not None
        response = error.response  # type: ignore[assignment]
    response.read()
    return response


def error_of(response: HttpResponse) -> tuple[int, str, dict[str, str]]:
    body = response.json()
    values = {v["key"]: v["value"] for v in body.get("values", [])}
    return response.status_code, body["code"], values


def test_the_clis_numbers_as_strings_create_and_resize_a_pool(batch):
    body = {"id": "cli-pool", "vmSize": "standard_d2s_v3", "virtualMachineConfiguration": IMAGE}
    created = call(batch, "POST", "/pools", {**body, "targetDedicatedNodes": "2"})
    assert created.status_code == 201
    raw = call(batch, "GET", "/pools/cli-pool").json()
    assert raw["targetDedicatedNodes"] == 2 and raw["enableAutoScale"] is False
    wait_for(lambda: batch.get_pool("cli-pool").current_dedicated_nodes == 2)
    wait_for(lambda: batch.get_pool("cli-pool").allocation_state == "steady")

    resized = call(batch, "POST", "/pools/cli-pool/resize", {"targetDedicatedNodes": "1"})
    assert resized.status_code == 202
    pool = wait_for(lambda: (p := batch.get_pool("cli-pool")).allocation_state == "steady" and p)
    assert (pool.target_dedicated_nodes, pool.current_dedicated_nodes) == (1, 1)
    assert len(list(batch.list_nodes("cli-pool"))) == 1

    refused = call(batch, "POST", "/pools/cli-pool/resize", {"targetDedicatedNodes": "one"})
    status, code, values = error_of(refused)
    assert (status, code) == (400, "InvalidPropertyValue")
    assert values["PropertyName"] == "targetDedicatedNodes"
    assert batch.get_pool("cli-pool").target_dedicated_nodes == 1
    batch.begin_delete_pool("cli-pool", polling_interval=0.1)


def test_the_clis_job_and_task_numbers_are_stored_as_numbers(batch):
    batch.create_pool(pool_options("cli-jobs", nodes=1))
    job = {"priority": "5", "id": "cli-job", "poolInfo": {"poolId": "cli-jobs"}}
    assert call(batch, "POST", "/jobs", job).status_code == 201
    assert call(batch, "GET", "/jobs/cli-job").json()["priority"] == 5
    assert call(batch, "PATCH", "/jobs/cli-job", {"priority": "7"}).status_code == 200
    assert batch.get_job("cli-job").priority == 7
    replaced = {"priority": "9", "poolInfo": {"poolId": "cli-jobs"}}
    assert call(batch, "PUT", "/jobs/cli-job", replaced).status_code == 200
    assert call(batch, "GET", "/jobs/cli-job").json()["priority"] == 9

    task = {"id": "t", "commandLine": py("import sys; sys.exit(3)"),
            "constraints": {"maxTaskRetryCount": "1"}, "requiredSlots": "1"}  # fmt: skip
    assert call(batch, "POST", "/jobs/cli-job/tasks", task).status_code == 201
    done = wait_for(lambda: (t := batch.get_task("cli-job", "t")).state == "completed" and t)
    assert (done.execution_info.exit_code, done.execution_info.retry_count) == (3, 1)
    raw = call(batch, "GET", "/jobs/cli-job/tasks/t").json()
    assert (raw["constraints"]["maxTaskRetryCount"], raw["requiredSlots"]) == (1, 1)
    lengths = {
        version: {
            f["name"]: f["properties"]["contentLength"]
            for f in call(batch, "GET", "/jobs/cli-job/tasks/t/files", version=version).json()[
                "value"
            ]
            if not f["isDirectory"]
        }
        for version in (CLI, "2025-06-01")
    }
    assert lengths[CLI]["stdout.txt"] == 0 and lengths["2025-06-01"]["stdout.txt"] == "0"
    put = call(batch, "PUT", "/jobs/cli-job/tasks/t", {"constraints": {"maxTaskRetryCount": "3"}})
    assert put.status_code == 200
    assert batch.get_task("cli-job", "t").constraints.max_task_retry_count == 3
    batch.begin_delete_job("cli-job", polling_interval=0.1).result()
    batch.begin_delete_pool("cli-jobs", polling_interval=0.1)


def test_api_versions_unknown_malformed_retired_and_missing_get_the_services_400(batch):
    for version, code in (
        ("banana", "InvalidQueryParameterValue"),
        ("2021-01-01", "InvalidQueryParameterValue"),
        ("2019-08-01.10.0", "UnsupportedRequestVersion"),
        (None, "MissingRequiredQueryParameter"),
    ):
        status, got, values = error_of(call(batch, "GET", "/pools", version=version))
        assert (status, got, values["QueryParameterName"]) == (400, code, "api-version")
    for version in ("2021-06-01.14.0", CLI, "2024-07-01.20.0", "2025-06-01"):
        assert call(batch, "GET", "/pools", version=version).status_code == 200


def test_the_node_clients_old_version_reads_and_writes_its_own_shapes(batch):
    pool = {"id": "node9", "vmSize": "STANDARD_A1_v2", "targetDedicatedNodes": 1,
            "maxTasksPerNode": 2, "virtualMachineConfiguration": IMAGE}  # fmt: skip
    assert call(batch, "POST", "/pools", pool, version=NODE9).status_code == 201
    old = call(batch, "GET", "/pools/node9", version=NODE9).json()
    assert old["maxTasksPerNode"] == 2 and "taskSlotsPerNode" not in old
    assert batch.get_pool("node9").task_slots_per_node == 2  # the newest shape, same pool
    selected = "/pools?$select=id,maxTasksPerNode&$filter=startswith(id,'node9')"
    listed = call(batch, "GET", selected, version=NODE9).json()["value"]
    assert listed == [{"id": "node9", "maxTasksPerNode": 2}]

    job = {"id": "node9-job", "poolInfo": {"poolId": "node9"}}
    assert call(batch, "POST", "/jobs", job, version=NODE9).status_code == 201
    sleeper = py("import time; time.sleep(30)")
    tasks = {"value": [{"id": f"t{i}", "commandLine": sleeper} for i in range(2)]}
    added = call(batch, "POST", "/jobs/node9-job/addtaskcollection", tasks, version=NODE9)
    assert [r["status"] for r in added.json()["value"]] == ["Success", "Success"]
    # Two slots on the one node: both run at once, as maxTasksPerNode asked.
    wait_for(lambda: batch.get_job_task_counts("node9-job").task_counts.running == 2)
    counts = call(batch, "GET", "/jobs/node9-job/taskcounts", version=NODE9).json()
    assert {k: v for k, v in counts.items() if k != "odata.metadata"} == {
        "active": 0, "running": 2, "completed": 0, "succeeded": 0, "failed": 0,
    }  # fmt: skip
    task = call(batch, "GET", "/jobs/node9-job/tasks/t0", version=NODE9).json()
    assert "requiredSlots" not in task and task["state"] == "running"

    wrong = {"id": "x", "commandLine": "x", "requiredSlots": 1}
    refused = call(batch, "POST", "/jobs/node9-job/tasks", wrong, version=NODE9)
    status, code, values = error_of(refused)
    assert (status, code, values["PropertyName"]) == (400, "UnsupportedProperty", "requiredSlots")
    newest = {**pool, "id": "node9-new"}
    status, code, values = error_of(call(batch, "POST", "/pools", newest, version="2025-06-01"))
    assert (status, code, values["PropertyName"]) == (400, "UnsupportedProperty", "maxTasksPerNode")
    batch.begin_delete_job("node9-job", polling_interval=0.1).result()
    batch.begin_delete_pool("node9", polling_interval=0.1)


def test_an_unimplemented_property_is_refused_and_nothing_is_stored(batch):
    options = pool_options(
        "subnetted", network_configuration=m.NetworkConfiguration(subnet_id="/subscriptions/s")
    )
    with pytest.raises(HttpResponseError) as caught:
        batch.create_pool(options)
    assert code_of(caught.value) == "UnsupportedProperty"
    assert caught.value.error is not None
    values = {detail.code: detail.message for detail in caught.value.error.details}
    assert values["PropertyName"] == "networkConfiguration"
    assert "local pool does not implement" in str(values["Reason"])
    assert call(batch, "GET", "/pools/subnetted").status_code == 404


def test_an_unimplemented_operation_says_so_and_unknown_paths_stay_404(batch):
    batch.create_pool(pool_options("ops", nodes=1))
    node = wait_for(lambda: next(iter(batch.list_nodes("ops")), None))
    for method, path, name in (
        ("POST", f"/pools/ops/nodes/{node.id}/users", "add a user to a node"),
        (
            "GET",
            f"/pools/ops/nodes/{node.id}/remoteloginsettings",
            "get a node's remote login settings",
        ),
        ("GET", "/jobschedules", "list job schedules"),
        ("GET", "/poolusagemetrics", "list pool usage metrics"),
    ):
        response = call(batch, method, path, {} if method == "POST" else None)
        status, code, values = error_of(response)
        assert (status, code) == (400, "OperationNotSupportedByLocalPool")
        assert values["Operation"] == name
        assert "local pool does not support" in response.json()["message"]["value"]
    status, code, _ = error_of(call(batch, "GET", "/no/such/thing"))
    assert (status, code) == (404, "InvalidUri")
    status, code, _ = error_of(call(batch, "PUT", "/pools"))
    assert (status, code) == (405, "UnsupportedHttpVerb")
    batch.begin_delete_pool("ops", polling_interval=0.1)


def test_replace_pool_properties_resets_what_is_not_sent(batch):
    batch.create_pool(
        pool_options("reset", nodes=0, metadata=[m.BatchMetadataItem(name="a", value="1")])
    )
    before = batch.get_pool("reset")
    batch.replace_pool_properties(
        "reset",
        m.BatchPoolReplaceOptions(
            start_task=m.BatchStartTask(command_line="x"),
            application_package_references=[],
            metadata=[],
        ),
    )
    after = batch.get_pool("reset")
    assert after.metadata is None and after.start_task.command_line == "x"
    assert after.etag != before.etag
    # The Azure CLI's `az batch pool reset` sends empty lists for what it leaves unset.
    cli: dict[str, list[Any]] = {
        "applicationPackageReferences": [],
        "metadata": [],
        "certificateReferences": [],
    }
    assert call(batch, "POST", "/pools/reset/updateproperties", cli).status_code == 204
    assert batch.get_pool("reset").start_task is None
    batch.begin_delete_pool("reset", polling_interval=0.1)
