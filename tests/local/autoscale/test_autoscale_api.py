"""Autoscale over HTTP with the real azure-batch 15 client, on a local pool of short intervals.

The pool here takes evaluation intervals down to 1 s and samples every 0.2 s
(`--autoscale-interval-floor`, `--autoscale-sample-period`), so a pool grows to its pending
tasks and empties again within seconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError, ResourceExistsError

from azure_batch_maya.local.process import LocalPoolProcess, start_local_pool
from tests.local.autoscale.microsoft_examples import PYTHON_WORKING_HOURS
from tests.local.conftest import IMAGE, client_for, code_of, pool_options, py, wait_for

SECOND = datetime.timedelta(seconds=1)
GROW_AND_EMPTY = (
    "$TargetDedicatedNodes = min(3, $PendingTasks.GetSample(1));"
    " $NodeDeallocationOption = taskcompletion;"
)


@pytest.fixture(scope="module")
def fast_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPoolProcess]:
    data = tmp_path_factory.mktemp("autoscale-pool")
    with start_local_pool(
        data, slots=4, autoscale_interval_floor=1.0, autoscale_sample_period=0.2
    ) as pool:
        yield pool


@pytest.fixture(scope="module")
def batch(fast_pool: LocalPoolProcess) -> BatchClient:
    return client_for(fast_pool)


def _autoscale_pool(pool_id: str, formula: str, **extra: Any) -> m.BatchPoolCreateOptions:
    return m.BatchPoolCreateOptions(
        id=pool_id,
        vm_size="standard_d2s_v3",
        virtual_machine_configuration=IMAGE,
        enable_auto_scale=True,
        auto_scale_formula=formula,
        **extra,
    )


def _steady_pool(batch: BatchClient, pool_id: str, nodes: int = 0) -> None:
    batch.create_pool(pool_options(pool_id, nodes=nodes))
    wait_for(lambda: batch.get_pool(pool_id).allocation_state == "steady")


def _enable(batch: BatchClient, pool_id: str, formula: str, every: datetime.timedelta) -> None:
    options = m.BatchPoolEnableAutoScaleOptions(
        auto_scale_formula=formula, auto_scale_evaluation_interval=every
    )
    batch.enable_pool_auto_scale(pool_id, options)


def _evaluate(batch: BatchClient, pool_id: str, formula: str) -> m.AutoScaleRun:
    options = m.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula=formula)
    return batch.evaluate_pool_auto_scale(pool_id, options)


def test_enable_evaluate_and_disable(batch):
    _steady_pool(batch, "as-basic", nodes=1)
    _enable(batch, "as-basic", "$TargetDedicatedNodes = $CurrentDedicatedNodes;", SECOND * 2)
    pool = batch.get_pool("as-basic")
    assert pool.enable_auto_scale is True
    assert pool.auto_scale_formula == "$TargetDedicatedNodes = $CurrentDedicatedNodes;"
    assert pool.auto_scale_evaluation_interval == SECOND * 2
    assert pool.auto_scale_run.error is None
    assert pool.auto_scale_run.results == (
        "$TargetDedicatedNodes=1;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
    )

    run = _evaluate(batch, "as-basic", "$TargetDedicatedNodes = 2 * $TaskSlotsPerNode; n = 3")
    assert run.error is None
    assert run.results == (
        "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue;n=3"
    )
    assert batch.get_pool("as-basic").target_dedicated_nodes == 1  # evaluated, not applied

    with pytest.raises(ResourceExistsError) as refused:
        batch.begin_resize_pool("as-basic", m.BatchPoolResizeOptions(target_dedicated_nodes=3))
    assert refused.value.status_code == 409
    assert code_of(refused.value) == "OperationInvalidForCurrentState"

    batch.disable_pool_auto_scale("as-basic")
    pool = batch.get_pool("as-basic")
    assert pool.enable_auto_scale is False
    assert (pool.auto_scale_formula, pool.auto_scale_run) == (None, None)
    with pytest.raises(ResourceExistsError) as not_enabled:
        _evaluate(batch, "as-basic", "$TargetDedicatedNodes = 1")
    assert "enable it first" in str(not_enabled.value)
    batch.begin_resize_pool(
        "as-basic", m.BatchPoolResizeOptions(target_dedicated_nodes=0), polling_interval=0.1
    ).result()
    assert batch.get_pool("as-basic").current_dedicated_nodes == 0


def test_evaluation_errors_are_answered_as_the_service_records_them(batch):
    _steady_pool(batch, "as-errors")
    _enable(batch, "as-errors", "$TargetDedicatedNodes = 0;", SECOND * 5)
    run = _evaluate(batch, "as-errors", "$something_useless")
    as_sent = run.as_dict()
    assert as_sent["odata.metadata"].endswith(
        "/$metadata#Microsoft.Azure.Batch.Protocol.Entities.AutoScaleRun"
    )
    assert run.results == (
        "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
    )
    error = run.error
    assert error is not None
    assert error.code == "AutoScalingFormulaEvaluationError"
    assert error.message == "The specified auto-scaling formula has evaluation error"
    assert [(v.name, v.value) for v in error.error_values or []] == [
        ("Message", "Line 1, Col 1: Undefined symbol: $something_useless")
    ]

    with pytest.raises(HttpResponseError) as syntax:
        _evaluate(batch, "as-errors", "$TargetDedicatedNodes = min(1,")
    assert syntax.value.status_code == 400
    assert code_of(syntax.value) == "AutoScalingFormulaSyntaxError"
    assert "Line 1, Col 31: Unexpected end of formula" in str(syntax.value)

    with pytest.raises(HttpResponseError) as enable_syntax:
        _enable(batch, "as-errors", "$TargetDedicatedNodes = = 1", SECOND * 5)
    assert code_of(enable_syntax.value) == "AutoScalingFormulaSyntaxError"
    assert batch.get_pool("as-errors").auto_scale_formula == "$TargetDedicatedNodes = 0;"

    for interval in (datetime.timedelta(milliseconds=500), datetime.timedelta(hours=169)):
        with pytest.raises(HttpResponseError) as out_of_range:
            _enable(batch, "as-errors", "$TargetDedicatedNodes = 0;", interval)
        assert out_of_range.value.status_code == 400
        assert code_of(out_of_range.value) == "InvalidPropertyValue"

    with pytest.raises(HttpResponseError) as too_long:
        _evaluate(batch, "as-errors", "$TargetDedicatedNodes = 0;" + " " * 8192)
    assert code_of(too_long.value) == "AutoScalingFormulaTooLong"


def test_a_formula_grows_the_pool_to_its_pending_tasks_and_empties_it_after(batch):
    _steady_pool(batch, "as-grow")
    _enable(batch, "as-grow", GROW_AND_EMPTY, SECOND)
    batch.create_job(
        m.BatchJobCreateOptions(id="as-grow-job", pool_info=m.BatchPoolInfo(pool_id="as-grow"))
    )
    for index in range(3):
        batch.create_task(
            "as-grow-job",
            m.BatchTaskCreateOptions(id=f"t{index}", command_line=py("import time; time.sleep(1)")),
        )
    grown = wait_for(lambda: (p := batch.get_pool("as-grow")).current_dedicated_nodes == 3 and p)
    assert grown.target_dedicated_nodes == 3
    assert grown.auto_scale_run.results.startswith("$TargetDedicatedNodes=3;")

    def emptied() -> bool:
        pool = batch.get_pool("as-grow")
        return bool(pool.current_dedicated_nodes == 0 and pool.allocation_state == "steady")

    wait_for(emptied, timeout=30)
    tasks = list(batch.list_tasks("as-grow-job"))
    # taskcompletion: every task ran to its end before its node left.
    assert [(t.state, t.execution_info.result) for t in tasks] == [("completed", "success")] * 3


def test_terminate_ends_the_tasks_of_the_nodes_it_removes(batch):
    # One node while nothing runs, none as soon as a task runs: the running task is ended.
    formula = (
        "$TargetDedicatedNodes = max($RunningTasks.GetSample(1)) > 0 ? 0 : 1;"
        " $NodeDeallocationOption = terminate;"
    )
    _steady_pool(batch, "as-terminate")
    _enable(batch, "as-terminate", formula, SECOND)
    batch.create_job(
        m.BatchJobCreateOptions(
            id="as-terminate-job", pool_info=m.BatchPoolInfo(pool_id="as-terminate")
        )
    )
    batch.create_task(
        "as-terminate-job",
        m.BatchTaskCreateOptions(id="long", command_line=py("import time; time.sleep(60)")),
    )
    task = wait_for(
        lambda: (t := batch.get_task("as-terminate-job", "long")).state == "completed" and t,
        timeout=30,
    )
    assert task.execution_info.result == "failure"
    assert task.execution_info.failure_info.code == "TaskEnded"
    batch.disable_pool_auto_scale("as-terminate")


def test_a_pool_created_with_a_formula_gets_its_nodes(batch):
    batch.create_pool(
        _autoscale_pool(
            "as-created", "$TargetDedicatedNodes = 2;", auto_scale_evaluation_interval=SECOND * 3
        )
    )
    pool = batch.get_pool("as-created")
    assert pool.auto_scale_run.results.startswith("$TargetDedicatedNodes=2;")
    assert pool.auto_scale_evaluation_interval == SECOND * 3
    wait_for(lambda: batch.get_pool("as-created").current_dedicated_nodes == 2)

    with pytest.raises(HttpResponseError) as both:
        batch.create_pool(
            pool_options(
                "as-both",
                nodes=1,
                enable_auto_scale=True,
                auto_scale_formula="$TargetDedicatedNodes = 1;",
            )
        )
    assert code_of(both.value) == "InvalidPropertyValue"
    with pytest.raises(HttpResponseError) as bad:
        batch.create_pool(_autoscale_pool("as-bad", "1 +"))
    assert code_of(bad.value) == "AutoScalingFormulaSyntaxError"
    batch.begin_delete_pool("as-created", polling_interval=0.1).result()


def test_microsofts_python_flow_enables_autoscale_right_after_creating_an_empty_pool(batch):
    # batch-automatic-scaling.md, "Python": add a pool of 0 nodes, then enable at once.
    batch.create_pool(pool_options("as-python", nodes=0))
    _enable(batch, "as-python", "$TargetDedicatedNodes = 0;", SECOND * 10)
    run = _evaluate(batch, "as-python", PYTHON_WORKING_HOURS.formula)
    assert run.error is None
    assert run.results is not None
    assert "$TargetDedicated=" in run.results
    assert run.results.split(";")[0] in ("$TargetDedicatedNodes=20", "$TargetDedicatedNodes=10")


def test_raw_wire_format_matches_the_recorded_autoscale_calls(batch, fast_pool):
    """notes.md's scale_pools capture and the js evaluateautoscale recording, as sent."""
    from azure.core.rest import HttpRequest

    _steady_pool(batch, "as-wire")
    version = "api-version=2025-06-01"
    enable = batch.send_request(
        HttpRequest(
            "POST",
            f"/pools/as-wire/enableautoscale?{version}",
            json={
                "autoScaleFormula": "$TargetDedicatedNodes = 0;",
                "autoScaleEvaluationInterval": "PT06M00S",
            },
        )
    )
    assert enable.status_code == 200
    assert enable.headers["DataServiceId"] == f"{fast_pool.url}/pools/as-wire/enableautoscale"
    assert enable.headers["ETag"].startswith("0x") and "Last-Modified" in enable.headers
    assert enable.text() == ""

    pool = batch.send_request(HttpRequest("GET", f"/pools/as-wire?{version}")).json()
    keys = list(pool)
    at = keys.index("enableAutoScale")
    assert keys[at : at + 4] == [
        "enableAutoScale",
        "autoScaleFormula",
        "autoScaleEvaluationInterval",
        "autoScaleRun",
    ]
    assert pool["autoScaleEvaluationInterval"] == "PT6M"

    evaluated = batch.send_request(
        HttpRequest(
            "POST",
            f"/pools/as-wire/evaluateautoscale?{version}",
            json={"autoScaleFormula": "$something_useless"},
        )
    )
    assert evaluated.status_code == 200
    assert evaluated.headers["DataServiceId"] == (
        f"{fast_pool.url}/pools/as-wire/evaluateautoscale"
    )
    assert "ETag" not in evaluated.headers
    assert evaluated.headers["Transfer-Encoding"] == "chunked"
    body = evaluated.json()
    assert list(body) == ["odata.metadata", "timestamp", "results", "error"]
    assert body["error"]["values"] == [
        {"name": "Message", "value": "Line 1, Col 1: Undefined symbol: $something_useless"}
    ]


def test_a_jobs_auto_pool_scales_by_its_formula(batch):
    spec = m.BatchAutoPoolSpecification(
        auto_pool_id_prefix="scaled",
        pool_lifetime_option="job",
        pool=m.BatchPoolSpecification(
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=IMAGE,
            enable_auto_scale=True,
            auto_scale_formula=GROW_AND_EMPTY,
            auto_scale_evaluation_interval=SECOND,
        ),
    )
    batch.create_job(
        m.BatchJobCreateOptions(
            id="as-auto-job", pool_info=m.BatchPoolInfo(auto_pool_specification=spec)
        )
    )
    batch.create_task("as-auto-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    task = wait_for(lambda: (t := batch.get_task("as-auto-job", "t")).state == "completed" and t)
    assert task.execution_info.result == "success"
    pool_id = batch.get_job("as-auto-job").execution_info.pool_id
    pool = batch.get_pool(pool_id)
    assert pool.enable_auto_scale is True and pool.auto_scale_run is not None
    wait_for(lambda: batch.get_pool(pool_id).current_dedicated_nodes == 0)
    batch.begin_delete_job("as-auto-job", polling_interval=0.1).result()


@pytest.mark.parametrize("version", ["2021-06-01.14.0", "2024-02-01.19.0"])
def test_older_api_versions_enable_and_evaluate_alike(batch, version):
    # azure-batch 11's and the Azure CLI's versions; the bodies are the same in every version.
    from azure.core.rest import HttpRequest

    pool_id = f"as-v{version[:4]}"
    _steady_pool(batch, pool_id)
    enabled = batch.send_request(
        HttpRequest(
            "POST",
            f"/pools/{pool_id}/enableautoscale?api-version={version}",
            json={
                "autoScaleFormula": "$TargetDedicatedNodes = 1;",
                "autoScaleEvaluationInterval": "PT5M",
            },
        )
    )
    assert enabled.status_code == 200
    evaluated = batch.send_request(
        HttpRequest(
            "POST",
            f"/pools/{pool_id}/evaluateautoscale?api-version={version}",
            json={"autoScaleFormula": "$TargetDedicatedNodes = 2;"},
        )
    )
    assert evaluated.json()["results"].startswith("$TargetDedicatedNodes=2;")
    wait_for(lambda: batch.get_pool(pool_id).current_dedicated_nodes == 1)
    disabled = batch.send_request(
        HttpRequest("POST", f"/pools/{pool_id}/disableautoscale?api-version={version}")
    )
    assert disabled.status_code == 200
    batch.begin_delete_pool(pool_id, polling_interval=0.1)
