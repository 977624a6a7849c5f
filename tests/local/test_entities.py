from __future__ import annotations

from typing import Any

import pytest

from azure_batch_maya.local.entities import new_job, new_pool, new_task, set_state, transition
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import UNLIMITED_DURATION

BASE = "http://127.0.0.1:1"
TICKS = 17691181985553032


def test_a_pool_gets_the_services_defaults():
    pool = new_pool(
        {
            "id": "p",
            "vmSize": "standard_d2s_v3",
            "resizeTimeout": "PT06M00S",
            "taskSchedulingPolicy": {"nodeFillType": "pack"},
        },
        BASE,
        TICKS,
    )
    assert pool["url"] == f"{BASE}/pools/p"
    assert (pool["state"], pool["allocationState"]) == ("active", "resizing")
    assert pool["resizeTimeout"] == "PT6M"
    assert pool["taskSlotsPerNode"] == 1
    assert pool["taskSchedulingPolicy"] == {"nodeFillType": "Pack", "jobDefaultOrder": "none"}
    assert pool["eTag"].startswith("0x8DE59FF4")


def test_user_account_passwords_are_never_returned():
    body: dict[str, Any] = {
        "id": "p",
        "vmSize": "x",
        "userAccounts": [{"name": "render", "password": "s3cret"}],
    }
    pool = new_pool(body, BASE, TICKS)
    assert pool["userAccounts"] == [{"name": "render", "elevationLevel": "nonadmin"}]
    assert body["userAccounts"][0]["password"] == "s3cret"  # the request is not changed
    assert list(pool).index("userAccounts") < list(pool).index("taskSlotsPerNode")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"vmSize": "x"}, "MissingRequiredProperty"),
        ({"id": "bad id!", "vmSize": "x"}, "InvalidPropertyValue"),
        ({"id": "p"}, "MissingRequiredProperty"),
        ({"id": "p", "vmSize": "x", "targetDedicatedNodes": -1}, "InvalidPropertyValue"),
    ],
)
def test_bad_pools_are_refused(body, code):
    with pytest.raises(BatchServiceError) as caught:
        new_pool(body, BASE, TICKS)
    assert caught.value.code == code and caught.value.status == 400


def test_a_task_inherits_the_jobs_retry_count_and_recases_upload_conditions():
    job = new_job(
        {"id": "j", "poolInfo": {"poolId": "p"}, "constraints": {"maxTaskRetryCount": 2}},
        BASE,
        TICKS,
    )
    assert job["onAllTasksComplete"] == "noaction"
    assert job["constraints"]["maxWallClockTime"] == UNLIMITED_DURATION
    output = {
        "filePattern": "*.exr",
        "destination": {},
        "uploadOptions": {"uploadCondition": "taskSuccess"},
    }
    task = new_task({"id": "t", "commandLine": "x", "outputFiles": [output]}, job, BASE, TICKS)
    assert task["constraints"] == {
        "maxWallClockTime": UNLIMITED_DURATION,
        "retentionTime": "P7D",
        "maxTaskRetryCount": 2,
    }
    assert task["outputFiles"][0]["uploadOptions"]["uploadCondition"] == "TaskSuccess"
    assert task["executionInfo"] == {"retryCount": 0, "requeueCount": 0}


def test_transition_keeps_the_previous_state_where_the_service_puts_it():
    doc = {"state": "active", "stateTransitionTime": "a", "commandLine": "x"}
    transition(doc, "running", TICKS)
    assert (doc["previousState"], doc["previousStateTransitionTime"]) == ("active", "a")
    assert doc["state"] == "running"
    assert list(doc) == [
        "state",
        "stateTransitionTime",
        "previousState",
        "previousStateTransitionTime",
        "commandLine",
    ]


def test_set_state_keeps_no_previous_state_and_drops_one_an_older_version_stored():
    node = {"state": "idle", "stateTransitionTime": "a", "vmSize": "x"}
    set_state(node, "running", TICKS)
    assert list(node) == ["state", "stateTransitionTime", "vmSize"]
    assert node["state"] == "running" and node["stateTransitionTime"] != "a"
    stored = {"state": "idle", "previousState": "running", "previousStateTransitionTime": "a"}
    set_state(stored, "offline", TICKS)
    assert stored == {"state": "offline", "stateTransitionTime": node["stateTransitionTime"]}
