"""Microsoft's documented formulas run unchanged, and give what the docs say they give."""

from __future__ import annotations

import pytest

from azure_batch_maya.local.autoscale.metrics import MEASURED, RESOURCE_METRICS
from azure_batch_maya.local.autoscale.settings import compile_formula
from tests.local.autoscale.helpers import inputs, results, run
from tests.local.autoscale.microsoft_examples import (
    EVALUATE_SNIPPET,
    EXAMPLES,
    POWERSHELL_EXAMPLE,
    TASK_BASED,
    initial_size,
)

TWO_HOURS = 240  # samples, one every 30 s


def _busy_history():
    """Two hours of samples of every variable, CPU included (which the local pool lacks)."""
    samples = {name: [float(i % 5) for i in range(TWO_HOURS)] for name in MEASURED}
    samples.update({name: [0.5] * TWO_HOURS for name in RESOURCE_METRICS})
    return inputs(samples=samples, dedicated=2)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.name)
def test_documented_formula_parses_and_evaluates_unchanged(example):
    compile_formula(example.formula)  # within the service's limits, no syntax error
    outcome = run(example.formula, _busy_history())
    assert outcome.error is None, f"{example.source}: {outcome.error}"
    assert outcome.results.startswith("$TargetDedicatedNodes=")


@pytest.mark.parametrize(
    "example",
    [example for example in EXAMPLES if not example.uses_resource_metrics],
    ids=lambda example: example.name,
)
def test_formulas_on_task_and_node_counts_run_on_a_new_pool_as_the_local_pool_has_them(example):
    # One sample of each count, taken at the first evaluation; no resource metrics at all.
    outcome = run(example.formula, inputs(samples={name: [0.0] for name in MEASURED}))
    assert outcome.error is None, f"{example.source}: {outcome.error}"


def test_formulas_on_cpu_samples_report_that_they_have_none_on_the_local_pool():
    cpu = next(example for example in EXAMPLES if example.name.startswith("Write an"))
    outcome = run(cpu.formula, inputs(samples={name: [0.0] for name in MEASURED}))
    assert outcome.error is not None
    assert "min of an empty list" in str(outcome.error)


def test_the_documented_results_of_the_evaluate_snippet():
    outcome = run(EVALUATE_SNIPPET.formula, inputs(dedicated=3))
    documented = dict(pair.split("=") for pair in EVALUATE_SNIPPET.documented_results.split(";"))
    # The service of today also lists $TargetLowPriorityNodes, which the 2016 output predates.
    assert results(outcome) == {**documented, "$TargetLowPriorityNodes": "0"}
    assert outcome.dedicated == 10


def test_the_documented_results_of_the_powershell_example():
    outcome = run(POWERSHELL_EXAMPLE.formula, inputs(current={"$CurrentDedicatedNodes": 3}))
    documented = dict(pair.split("=") for pair in POWERSHELL_EXAMPLE.documented_results.split(";"))
    assert documented.items() <= results(outcome).items()
    assert outcome.dedicated == 5


def test_example_2_halves_the_target_each_evaluation_while_nothing_is_pending():
    targets = [8]
    while targets[-1]:
        given = inputs(samples={"$PendingTasks": [0.0] * 40}, dedicated=targets[-1])
        outcome = run(TASK_BASED.formula, given)
        assert outcome.deallocation == "taskcompletion"
        targets.append(outcome.dedicated)
    assert targets == [8, 4, 2, 1, 0]


def test_example_2_follows_the_pending_tasks():
    given = inputs(samples={"$PendingTasks": [0.0] * 10 + [6.0]}, dedicated=0)
    assert run(TASK_BASED.formula, given).dedicated == 6
    many = inputs(samples={"$PendingTasks": [50.0] * 40}, dedicated=0)
    assert run(TASK_BASED.formula, many).dedicated == 20


def test_example_4_keeps_four_nodes_for_ten_minutes_then_empties_an_idle_pool():
    young = initial_size("Thu, 13 Oct 2016 19:15:00 GMT")
    idle = {"$RunningTasks": [0.0] * 120, "$ActiveTasks": [0.0] * 120}
    assert run(young.formula, inputs(samples=idle)).dedicated == 4
    old = initial_size("Thu, 13 Oct 2016 17:00:00 GMT")
    assert run(old.formula, inputs(samples=idle, dedicated=4)).dedicated == 0
    busy = {"$RunningTasks": [1.0] * 120, "$ActiveTasks": [0.0] * 120}
    assert run(old.formula, inputs(samples=busy, dedicated=4)).dedicated == 4


def test_the_rest_spec_example_of_evaluate():
    # azure-rest-api-specs, Pools_EvaluatePoolAutoscale.json (2025-06-01): the formula
    # "$TargetDedicated=1" answers "$TargetDedicated=1;$NodeDeallocationOption=requeue".
    outcome = run("$TargetDedicated=1")
    documented = {"$TargetDedicated": "1", "$NodeDeallocationOption": "requeue"}
    assert documented.items() <= results(outcome).items()
    assert outcome.dedicated == 1
