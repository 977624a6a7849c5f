"""Task dependencies on the local pool: chains, id ranges, blocked dependents, exit options."""

from __future__ import annotations

import time

import pytest
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError

from azure_batch_maya.local.dependencies import exit_options, number_groups, ready
from tests.local.conftest import code_of, pool_options, py, wait_for


def _job(batch, job_id, pool_id, **extra):
    batch.create_job(
        m.BatchJobCreateOptions(
            id=job_id,
            pool_info=m.BatchPoolInfo(pool_id=pool_id),
            uses_task_dependencies=True,
            **extra,
        )
    )


def _task(task_id, code="pass", **extra):
    return m.BatchTaskCreateOptions(id=task_id, command_line=py(code), **extra)


def _after(*ids, ranges=()):
    return m.BatchTaskDependencies(
        task_ids=list(ids) or None,
        task_id_ranges=[m.BatchTaskIdRange(start=a, end=b) for a, b in ranges] or None,
    )


def _done(batch, job_id, task_id):
    task = batch.get_task(job_id, task_id)
    return task if task.state == "completed" else None


def test_a_chain_and_a_range_run_in_dependency_order(batch):
    batch.create_pool(pool_options("chain", nodes=3))
    _job(batch, "chain-job", "chain")
    slow = "import time; time.sleep(0.3)"
    batch.create_tasks(
        "chain-job",
        [
            # Added first, so only its dependencies hold it back.
            _task("merge", depends_on=_after("b", ranges=[(1, 3)])),
            _task("b", depends_on=_after("a")),
            _task("a", slow),
            _task("1", slow),
            _task("2", slow),
            _task("003", slow),  # leading zeros: still task 3 of the range
            _task("7", "import time; time.sleep(30)"),  # outside the range: not waited for
        ],
    )
    merge = wait_for(lambda: _done(batch, "chain-job", "merge"), timeout=60)
    tasks = {t.id: t.execution_info for t in batch.list_tasks("chain-job")}
    assert merge.execution_info.result == "success"
    assert tasks["b"].start_time >= tasks["a"].end_time
    for parent in ("b", "1", "2", "003"):
        assert tasks["merge"].start_time >= tasks[parent].end_time
    assert batch.get_task("chain-job", "7").state == "running"
    batch.terminate_task("chain-job", "7")
    batch.begin_delete_job("chain-job", polling_interval=0.1).result()
    batch.begin_delete_pool("chain", polling_interval=0.1)


def test_a_failed_parent_blocks_its_dependents_unless_its_exit_code_satisfies(batch):
    batch.create_pool(pool_options("blocked", nodes=2))
    _job(batch, "blocked-job", "blocked")
    satisfy_3 = m.ExitConditions(
        exit_codes=[
            m.ExitCodeMapping(code=3, exit_options=m.ExitOptions(dependency_action="satisfy"))
        ]
    )
    block_all = m.ExitConditions(
        exit_code_ranges=[
            m.ExitCodeRangeMapping(
                start=0, end=0, exit_options=m.ExitOptions(dependency_action="block")
            )
        ]
    )
    batch.create_tasks(
        "blocked-job",
        [
            _task("fails", "import sys; sys.exit(2)"),
            _task("after-fails", depends_on=_after("fails")),
            _task("tolerated", "import sys; sys.exit(3)", exit_conditions=satisfy_3),
            _task("after-tolerated", depends_on=_after("tolerated")),
            _task("10", "import sys; sys.exit(0)", exit_conditions=block_all),
            _task("after-range", depends_on=_after(ranges=[(10, 10)])),
            _task("after-missing", depends_on=_after("never-added")),
        ],
    )
    wait_for(lambda: _done(batch, "blocked-job", "after-tolerated"))
    wait_for(lambda: _done(batch, "blocked-job", "fails") and _done(batch, "blocked-job", "10"))
    time.sleep(0.6)  # a few scheduler ticks after the parents ended
    for blocked in ("after-fails", "after-range", "after-missing"):
        assert batch.get_task("blocked-job", blocked).state == "active"
    assert batch.get_task("blocked-job", "10").execution_info.result == "success"
    counts = batch.get_job_task_counts("blocked-job").task_counts
    assert (counts.active, counts.completed) == (3, 4)
    batch.begin_delete_job("blocked-job", polling_interval=0.1).result()
    batch.begin_delete_pool("blocked", polling_interval=0.1)


def test_dependencies_need_a_job_that_uses_them(batch):
    batch.create_pool(pool_options("plain", nodes=1))
    batch.create_job(
        m.BatchJobCreateOptions(id="plain-job", pool_info=m.BatchPoolInfo(pool_id="plain"))
    )
    with pytest.raises(HttpResponseError) as refused:
        batch.create_task("plain-job", _task("b", depends_on=_after("a")))
    assert refused.value.status_code == 400
    assert code_of(refused.value) == "TaskDependenciesNotSpecifiedOnJob"
    result = batch.create_tasks("plain-job", [_task("ok"), _task("c", depends_on=_after("ok"))])
    by_id = {r.task_id: r for r in result.result_values}
    assert by_id["ok"].status == "Success"
    assert by_id["c"].error.code == "TaskDependenciesNotSpecifiedOnJob"
    with pytest.raises(HttpResponseError) as no_action:
        batch.create_task(
            "plain-job",
            _task(
                "d",
                exit_conditions=m.ExitConditions(default=m.ExitOptions(job_action="terminate")),
            ),
        )
    assert code_of(no_action.value) == "InvalidPropertyValue"
    batch.begin_delete_job("plain-job", polling_interval=0.1).result()
    batch.begin_delete_pool("plain", polling_interval=0.1)


def test_a_failed_task_terminates_its_job_by_its_exit_options(batch):
    batch.create_pool(pool_options("stopper", nodes=1))
    _job(batch, "stopper-job", "stopper", task_failure_mode="performexitoptionsjobaction")
    batch.create_tasks(
        "stopper-job",
        [
            _task(
                "tolerated",
                "import sys; sys.exit(5)",
                exit_conditions=m.ExitConditions(
                    exit_codes=[
                        m.ExitCodeMapping(code=5, exit_options=m.ExitOptions(job_action="none"))
                    ]
                ),
            ),
        ],
    )
    wait_for(lambda: _done(batch, "stopper-job", "tolerated"))
    assert batch.get_job("stopper-job").state == "active"
    batch.create_task("stopper-job", _task("fatal", "import sys; sys.exit(1)"))
    job = wait_for(lambda: (j := batch.get_job("stopper-job")).state == "completed" and j)
    assert job.execution_info.termination_reason == "TaskFailed"
    batch.begin_delete_job("stopper-job", polling_interval=0.1).result()
    batch.begin_delete_pool("stopper", polling_interval=0.1)


def _completed_task(exit_code, failure=None, result="failure", **conditions):
    info = {"result": result, "endTime": "2026-01-01T00:00:00.0000000Z"}
    if exit_code is not None:
        info["exitCode"] = exit_code
    if failure:
        info["failureInfo"] = {"code": failure}
    return {"id": "p", "state": "completed", "executionInfo": info, "exitConditions": conditions}


def test_exit_options_follow_the_documented_order():
    block, satisfy = {"dependencyAction": "block"}, {"dependencyAction": "satisfy"}
    assert exit_options(_completed_task(0, result="success")) == ("satisfy", "none")
    assert exit_options(_completed_task(1)) == ("block", "terminate")
    mapped = {"exitCodes": [{"code": 0, "exitOptions": block}]}
    assert exit_options(_completed_task(0, result="success", **mapped))[0] == "block"
    # An exit code in exitCodes wins over fileUploadError, which wins over default.
    upload = {
        "exitCodes": [{"code": 0, "exitOptions": satisfy}],
        "fileUploadError": block,
        "default": block,
    }
    assert exit_options(_completed_task(0, "FileUploadFailed", **upload))[0] == "satisfy"
    assert exit_options(_completed_task(2, "FileUploadFailed", fileUploadError=satisfy)) == (
        "satisfy",
        "terminate",
    )
    pre = {"preProcessingError": satisfy, "default": block}
    assert exit_options(_completed_task(None, "ResourceFileDownloadFailed", **pre))[0] == "satisfy"
    assert exit_options(_completed_task(None, "TaskEnded", **pre))[0] == "block"
    ranged = {"exitCodeRanges": [{"start": 10, "end": 20, "exitOptions": {"jobAction": "none"}}]}
    assert exit_options(_completed_task(15, **ranged)) == ("block", "none")


def test_a_range_counts_integer_ids_and_the_first_of_equal_numbers_to_end():
    def task(task_id, state="completed", result="success", end="2026-01-01T00:00:01.0000000Z"):
        return {
            "id": task_id,
            "state": state,
            "executionInfo": {"result": result, "exitCode": 0 if result == "success" else 1,
                              "endTime": end},
        }  # fmt: skip

    tasks = [task("4"), task("04", result="failure", end="2026-01-01T00:00:02.0000000Z"),
             task("5", state="active"), task("5x", state="active")]  # fmt: skip
    numbers = number_groups(tasks)
    assert sorted(numbers) == [4, 5]
    lookup = {t["id"]: t for t in tasks}.get
    assert ready({"dependsOn": {"taskIdRanges": [{"start": 1, "end": 4}]}}, lookup, numbers)
    assert not ready({"dependsOn": {"taskIdRanges": [{"start": 4, "end": 5}]}}, lookup, numbers)
    assert not ready({"dependsOn": {"taskIds": ["04"]}}, lookup, numbers)
    assert ready({"dependsOn": {"taskIds": ["4"]}}, lookup, numbers)
