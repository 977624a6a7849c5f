"""What the local pool refuses, named, and what it keeps accepting for work in progress."""

from __future__ import annotations

from typing import Any

import pytest

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.unsupported import check_operation, check_properties

AUTO = {"autoPoolSpecification": {"pool": {"vmSize": "x", "mountConfiguration": [{"a": 1}]}}}
MOUNTS = "poolInfo.autoPoolSpecification.pool.mountConfiguration"
TOKENS = {"authenticationTokenSettings": {"access": ["job"]}}


@pytest.mark.parametrize(
    ("operation", "body", "path"),
    [
        ("create_pool", {"networkConfiguration": {"subnetId": "s"}}, "networkConfiguration"),
        (
            "create_pool",
            {"virtualMachineConfiguration": {"dataDisks": [{"lun": 1}]}},
            "virtualMachineConfiguration.dataDisks",
        ),
        ("create_pool", {"userAccounts": [{"name": "u"}]}, "userAccounts"),
        ("update_pool", {"vmSize": "big"}, "vmSize"),
        ("create_job", {"jobManagerTask": {"id": "m"}}, "jobManagerTask"),
        ("create_job", {"allowTaskPreemption": True}, "allowTaskPreemption"),
        ("create_job", {"poolInfo": AUTO}, MOUNTS),
        ("create_task", {"userIdentity": {"userName": "u"}}, "userIdentity.userName"),
        (
            "create_task_collection",
            {"value": [{"id": "a"}, {"id": "b", **TOKENS}]},
            "value.authenticationTokenSettings",
        ),
    ],
)
def test_an_unimplemented_property_is_refused_naming_it(operation: str, body: Any, path: str):
    with pytest.raises(BatchServiceError) as caught:
        check_properties(operation, body)
    assert (caught.value.code, caught.value.status) == ("UnsupportedProperty", 400)
    assert caught.value.values["PropertyName"] == path.rsplit(".", 1)[-1]
    assert caught.value.values["Reason"].startswith(f"{path}: the local pool does not implement")


def test_unset_values_and_work_in_progress_are_accepted():
    check_properties(
        "create_pool",
        {
            "networkConfiguration": None,
            "applicationPackageReferences": [],
            "resourceTags": {},
            # Being implemented by others: start tasks, autoscale, containers.
            "startTask": {"commandLine": "x", "userIdentity": {"autoUser": {"scope": "pool"}}},
            "enableAutoScale": True,
            "autoScaleFormula": "$TargetDedicatedNodes=1;",
            "virtualMachineConfiguration": {"containerConfiguration": {"type": "dockerCompatible"}},
        },
    )
    check_properties("create_job", {"usesTaskDependencies": True, "allowTaskPreemption": False})
    check_properties(
        "create_task",
        {"dependsOn": {"taskIds": ["a"]}, "exitConditions": {}, "containerSettings": {}},
    )


def test_an_unimplemented_operation_is_named_and_unknown_paths_pass():
    with pytest.raises(BatchServiceError) as caught:
        check_operation("GET", "/jobschedules")
    assert (caught.value.code, caught.value.status) == ("OperationNotSupportedByLocalPool", 400)
    assert caught.value.values == {"Operation": "list job schedules"}
    with pytest.raises(BatchServiceError):
        check_operation("DELETE", "/certificates(thumbprintAlgorithm=sha1,thumbprint=ab)")
    check_operation("GET", "/jobschedule")
    check_operation("PATCH", "/jobschedules")
