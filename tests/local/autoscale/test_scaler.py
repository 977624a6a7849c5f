"""The engine side: samples on a clock, formulas on their interval, targets to the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.local import entities
from azure_batch_maya.local.autoscale.parser import parse
from azure_batch_maya.local.autoscale.scaler import AutoScaler
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.store import Store

BASE = "http://127.0.0.1:1"
FORMULA = (
    "$TargetDedicatedNodes = max($PendingTasks.GetSample(1)); $NodeDeallocationOption = terminate;"
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def setup(tmp_path: Path):
    store = Store(tmp_path / "state.sqlite")
    config = PoolConfig(
        "acct", BASE, tmp_path, 4, autoscale_interval_floor=10.0, autoscale_sample_period=1.0
    )
    clock = Clock()
    resizes: list[tuple[str, int, str]] = []

    def resize(pool, deallocation):
        resizes.append((pool["id"], pool["targetDedicatedNodes"], deallocation))

    yield store, AutoScaler(store, config, clock), clock, resizes, resize
    store.close()


def _pool(store: Store, formula: str = FORMULA, interval: str = "PT10S") -> dict[str, Any]:
    body = {
        "id": "p",
        "vmSize": "a",
        "enableAutoScale": True,
        "autoScaleFormula": formula,
        "autoScaleEvaluationInterval": interval,
    }
    pool = entities.new_pool(body, BASE, store.ticks())
    entities.transition(pool, "steady", store.ticks(), key="allocationState")
    store.put_pool(pool)
    return pool


def _tasks(store: Store, count: int) -> None:
    job = entities.new_job({"id": "j", "poolInfo": {"poolId": "p"}}, BASE, store.ticks())
    store.put_job(job)
    for index in range(count):
        store.add_task(
            "j", entities.new_task({"id": f"t{index}", "commandLine": "x"}, job, BASE, 1)
        )


def test_a_new_autoscale_pool_is_evaluated_at_once_then_on_its_interval(setup):
    store, scaler, clock, resizes, resize = setup
    _pool(store)
    scaler.tick(resize)
    run = store.get_pool("p")["autoScaleRun"]
    assert run["results"].startswith("$TargetDedicatedNodes=0;")
    assert resizes == []  # the target was already 0
    _tasks(store, 3)
    clock.now += 5
    scaler.tick(resize)
    assert resizes == []  # sampled, but the next run is due at 10 s
    clock.now += 5
    scaler.tick(resize)
    assert resizes == [("p", 3, "terminate")]
    pool = store.get_pool("p")
    assert (pool["targetDedicatedNodes"], pool["allocationState"]) == (3, "resizing")
    assert pool["autoScaleRun"]["timestamp"] != run["timestamp"]


def test_samples_are_taken_every_period_for_every_active_pool(setup):
    store, scaler, clock, _resizes, resize = setup
    _pool(store, formula="n = $PendingTasks.Count();")
    for _ in range(5):
        scaler.tick(resize)
        clock.now += 0.5
    counted = scaler.outcome(store.get_pool("p"), parse("n = $PendingTasks.Count();"), clock.now)
    assert counted.results.endswith(";n=3")


def test_an_evaluation_error_is_recorded_and_leaves_the_pool_alone(setup):
    store, scaler, _clock, resizes, resize = setup
    _pool(store, formula="$TargetDedicatedNodes = $nothing;")
    scaler.tick(resize)
    run = store.get_pool("p")["autoScaleRun"]
    assert run["error"] == {
        "code": "AutoScalingFormulaEvaluationError",
        "message": "The specified auto-scaling formula has evaluation error",
        "values": [{"name": "Message", "value": "Line 1, Col 25: Undefined symbol: $nothing"}],
    }
    assert resizes == []


def test_a_formula_that_does_not_parse_is_reported_on_the_run(setup):
    # Auto pools come from job specs that are not checked when the job is added.
    store, scaler, _clock, resizes, resize = setup
    _pool(store, formula="$TargetDedicatedNodes = (")
    scaler.tick(resize)
    run = store.get_pool("p")["autoScaleRun"]
    assert run["error"]["code"] == "AutoScalingFormulaSyntaxError"
    assert resizes == []
    assert run["results"] == (
        "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
    )


def test_enabling_again_within_the_spacing_is_the_services_503(setup):
    _store, scaler, clock, _resizes, _resize = setup
    assert scaler.enable_spacing == 1.0  # 30 s scaled like the 10 s floor is to 5 minutes
    scaler.check_enable_spacing("p")
    clock.now += 0.5
    with pytest.raises(BatchServiceError) as raised:
        scaler.check_enable_spacing("p")
    assert (raised.value.status, raised.value.code) == (503, "TooManyEnableAutoScaleRequests")
    clock.now += 1.0
    scaler.check_enable_spacing("p")


def test_a_deleted_pool_is_forgotten(setup):
    store, scaler, clock, _resizes, resize = setup
    _pool(store)
    scaler.tick(resize)
    store.delete_pool("p")
    clock.now += 20
    scaler.tick(resize)
    assert scaler.inputs(_pool(store), clock.now).metrics["$PendingTasks"].history.samples == ()


def test_a_new_formula_keeps_the_schedule_and_a_new_interval_restarts_it(setup):
    store, scaler, clock, _resizes, resize = setup
    pool = scaler.run(_pool(store), resize)  # due at +10 s
    clock.now += 4
    pool["autoScaleFormula"] = "$TargetDedicatedNodes = 1;"
    pool = scaler.run(pool, resize, reschedule=False)
    store.put_pool(pool)
    clock.now += 6
    before = store.get_pool("p")["autoScaleRun"]["timestamp"]
    scaler.tick(resize)
    assert store.get_pool("p")["autoScaleRun"]["timestamp"] != before  # still due at +10 s
    scaler.run(store.get_pool("p"), resize, reschedule=True)  # due at +20 s now
    clock.now += 9
    before = store.get_pool("p")["autoScaleRun"]["timestamp"]
    scaler.tick(resize)
    assert store.get_pool("p")["autoScaleRun"]["timestamp"] == before
