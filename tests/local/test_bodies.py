"""Numbers and booleans sent as JSON strings, read as the service reads them."""

from __future__ import annotations

from typing import Any

import pytest

from azure_batch_maya.local.bodies import JOB, POOL, SCHEMAS, TASK, coerce
from azure_batch_maya.local.errors import BatchServiceError


def test_the_azure_clis_strings_become_numbers_and_booleans():
    body = {
        "id": "p",
        "targetDedicatedNodes": "2",
        "taskSlotsPerNode": " 4 ",
        "enableInterNodeCommunication": "False",
        "startTask": {"commandLine": "x", "maxTaskRetryCount": "3", "waitForSuccess": "true"},
        "metadata": [{"name": "n", "value": "5"}],
    }
    assert coerce(body, POOL) == {
        "id": "p",
        "targetDedicatedNodes": 2,
        "taskSlotsPerNode": 4,
        "enableInterNodeCommunication": False,
        "startTask": {"commandLine": "x", "maxTaskRetryCount": 3, "waitForSuccess": True},
        "metadata": [{"name": "n", "value": "5"}],
    }
    assert body["targetDedicatedNodes"] == "2"  # the request itself is not changed


def test_nested_objects_and_lists_are_read_too():
    job = coerce(
        {
            "priority": "-5",
            "constraints": {"maxTaskRetryCount": "1"},
            "poolInfo": {
                "autoPoolSpecification": {
                    "keepAlive": "TRUE",
                    "pool": {"targetDedicatedNodes": "1"},
                }
            },
        },
        JOB,
    )
    assert job["priority"] == -5 and job["constraints"]["maxTaskRetryCount"] == 1
    assert job["poolInfo"]["autoPoolSpecification"] == {
        "keepAlive": True,
        "pool": {"targetDedicatedNodes": 1},
    }
    tasks = coerce(
        {"value": [{"id": "a", "requiredSlots": "2"}, {"id": "b", "constraints": None}]},
        SCHEMAS["create_task_collection"],
    )
    assert tasks["value"] == [{"id": "a", "requiredSlots": 2}, {"id": "b", "constraints": None}]
    exits = coerce({"exitConditions": {"exitCodeRanges": [{"start": "1", "end": 3.0}]}}, TASK)
    assert exits["exitConditions"]["exitCodeRanges"] == [{"start": 1, "end": 3}]


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"targetDedicatedNodes": "two"}, "targetDedicatedNodes"),
        ({"targetDedicatedNodes": "2.5"}, "targetDedicatedNodes"),
        ({"targetDedicatedNodes": 2.5}, "targetDedicatedNodes"),
        ({"targetDedicatedNodes": True}, "targetDedicatedNodes"),
        ({"taskSlotsPerNode": str(2**31)}, "taskSlotsPerNode"),
        ({"enableAutoScale": "yes"}, "enableAutoScale"),
        ({"enableAutoScale": 1}, "enableAutoScale"),
        ({"startTask": {"maxTaskRetryCount": "many"}}, "maxTaskRetryCount"),
    ],
)
def test_what_is_not_a_number_is_refused_naming_it(body: dict[str, Any], name: str):
    with pytest.raises(BatchServiceError) as caught:
        coerce(body, POOL)
    assert caught.value.code == "InvalidPropertyValue" and caught.value.status == 400
    assert caught.value.values["PropertyName"] == name


def test_properties_outside_the_schema_are_left_as_sent():
    assert coerce({"displayName": "7", "resizeTimeout": "PT5M"}, POOL) == {
        "displayName": "7",
        "resizeTimeout": "PT5M",
    }
    assert coerce([1, 2], POOL) == [1, 2]
