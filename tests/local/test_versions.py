"""api-version: which are served, what the others get, and the shapes older ones read."""

from __future__ import annotations

import copy

import pytest

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.versions import (
    KNOWN,
    NEWEST,
    api_version,
    request_body,
    request_query,
    response_body,
)

OLD = api_version("2020-03-01.11.0")
NEW = api_version("2025-06-01")


def test_every_version_from_the_node_client_on_is_served():
    served = KNOWN[KNOWN.index("2020-03-01.11.0") :]
    assert {"2021-06-01.14.0", "2024-02-01.19.0", "2025-06-01"} <= set(served)
    assert [api_version(name).task_slots for name in served[:3]] == [False, True, True]
    assert NEWEST == "2025-06-01"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "MissingRequiredQueryParameter"),
        ("", "MissingRequiredQueryParameter"),
        ("banana", "InvalidQueryParameterValue"),
        ("2025-06-01.", "InvalidQueryParameterValue"),
        ("2021-01-01", "InvalidQueryParameterValue"),  # well formed, never a Batch version
        ("2019-08-01.10.0", "UnsupportedRequestVersion"),
        ("2015-12-01.2.2", "UnsupportedRequestVersion"),
    ],
)
def test_other_versions_get_the_services_400(value: str | None, code: str):
    with pytest.raises(BatchServiceError) as caught:
        api_version(value)
    assert (caught.value.code, caught.value.status) == (code, 400)
    assert caught.value.values["QueryParameterName"] == "api-version"
    if value:
        assert caught.value.values["QueryParameterValue"] == value


def test_an_old_pool_body_is_stored_with_task_slots():
    body = request_body(
        {"id": "p", "maxTasksPerNode": 2, "vmSize": "x"},
        OLD,
    )
    assert list(body) == ["id", "taskSlotsPerNode", "vmSize"]
    job = request_body(
        {"poolInfo": {"autoPoolSpecification": {"pool": {"maxTasksPerNode": 3}}}}, OLD
    )
    assert job["poolInfo"]["autoPoolSpecification"]["pool"] == {"taskSlotsPerNode": 3}


@pytest.mark.parametrize(
    ("body", "version", "name"),
    [
        ({"maxTasksPerNode": 2}, NEW, "maxTasksPerNode"),
        ({"value": [{"id": "t", "requiredSlots": 2}]}, OLD, "requiredSlots"),
        ({"taskSlotsPerNode": 2}, OLD, "taskSlotsPerNode"),
    ],
)
def test_a_property_of_the_other_side_of_the_change_is_refused(body, version, name):
    with pytest.raises(BatchServiceError) as caught:
        request_body(body, version)
    assert caught.value.code == "UnsupportedProperty"
    assert caught.value.values["PropertyName"] == name
    assert "2020-09-01.12.0" in caught.value.values["Reason"]


def test_old_versions_read_flat_task_counts_and_max_tasks_per_node():
    counts = {
        "odata.metadata": "u/$metadata#taskcountsresult/@Element",
        "taskCounts": {"active": 1, "running": 2, "completed": 3, "succeeded": 2, "failed": 1},
        "taskSlotCounts": {"active": 2, "running": 4, "completed": 6, "succeeded": 4, "failed": 2},
    }
    assert response_body(dict(counts), NEW) == counts
    assert response_body(dict(counts), OLD) == {
        "odata.metadata": "u/$metadata#taskcounts/@Element",
        "active": 1,
        "running": 2,
        "completed": 3,
        "succeeded": 2,
        "failed": 1,
    }
    pools = {"value": [{"id": "p", "taskSlotsPerNode": 2, "vmSize": "x"}]}
    assert response_body(pools, OLD) == {
        "value": [{"id": "p", "maxTasksPerNode": 2, "vmSize": "x"}]
    }
    task = {"id": "t", "requiredSlots": 1, "nodeInfo": {"nodeId": "n"}}
    assert response_body(task, OLD) == {"id": "t", "nodeInfo": {"nodeId": "n"}}
    node = {"id": "n", "runningTasksCount": 1, "runningTaskSlotsCount": 1}
    assert response_body(node, OLD) == {"id": "n", "runningTasksCount": 1}


def test_file_lengths_are_numbers_before_2025_06_01():
    files = {
        "odata.metadata": "u/$metadata#files",
        "value": [
            {"name": "wd", "isDirectory": True},
            {"name": "a", "properties": {"contentLength": "12"}},
        ],
    }
    assert response_body(copy.deepcopy(files), NEW) == files
    older = response_body(copy.deepcopy(files), api_version("2024-07-01.20.0"))
    assert older["value"][1]["properties"]["contentLength"] == 12


def test_old_property_names_in_select_and_filter_are_read_as_the_new_ones():
    query = {"api-version": OLD.name, "$select": "id,maxTasksPerNode", "$filter": "id eq 'a'"}
    assert request_query(query, OLD)["$select"] == "id,taskSlotsPerNode"
    assert request_query(query, NEW) is query
