"""Our autoscale formula, run by the local pool's interpreter on made-up sample histories."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from azure_batch_maya.local.autoscale.evaluate import Outcome
from azure_batch_maya.local.autoscale.metrics import MEASURED
from azure_batch_maya.local.autoscale.settings import compile_formula
from azure_batch_maya.render.autoscale import (
    AutoscaleError,
    AutoscalePlan,
    formula,
    read_formula,
    spot_share_of,
)
from tests.local.autoscale.helpers import inputs, results, run

PERIOD = 30.0  # seconds between samples, as on Azure


def _run(
    text: str,
    pending: Sequence[float],
    *,
    slots: float = 1,
    dedicated: int = 0,
    spot: int = 0,
) -> Outcome:
    """Evaluate `text` with this history of pending tasks (last = now) and these targets."""
    samples = {name: [0.0] * len(pending) for name in MEASURED}
    samples["$PendingTasks"] = list(pending)
    samples["$TaskSlotsPerNode"] = [slots] * len(pending)
    outcome = run(text, inputs(samples=samples, dedicated=dedicated, low_priority=spot))
    assert outcome.error is None, outcome.error
    return outcome


def test_the_formula_is_within_the_service_limits_and_parses():
    compile_formula(formula(4, 0.5, 10))


def test_a_new_pool_with_one_sample_grows_to_its_pending_tasks():
    outcome = _run(formula(10), [3])
    assert (outcome.dedicated, outcome.low_priority) == (3, 0)
    assert outcome.deallocation == "taskcompletion"


def test_growth_stops_at_the_maximum():
    assert _run(formula(4), [50]).dedicated == 4


def test_task_slots_per_node_divide_the_nodes_needed():
    assert _run(formula(10), [5], slots=2).dedicated == 3


def test_the_spot_share_splits_the_nodes():
    outcome = _run(formula(8, spot_share=0.5), [8])
    assert (outcome.dedicated, outcome.low_priority) == (4, 4)
    all_spot = _run(formula(8, spot_share=1.0), [3])
    assert (all_spot.dedicated, all_spot.low_priority) == (0, 3)


def test_nodes_stay_while_the_pool_has_not_been_idle_for_the_idle_minutes():
    # Ten minutes of history (20 samples), the work ended 2 minutes ago: keep the 3 nodes.
    history = [2.0] * 16 + [0.0] * 4
    outcome = _run(formula(10, idle_minutes=10), history, dedicated=2, spot=1)
    assert (outcome.dedicated, outcome.low_priority) == (2, 1)


def test_the_pool_empties_after_the_idle_minutes():
    history = [2.0] * 10 + [0.0] * 21  # idle for over 10 minutes
    outcome = _run(formula(10, idle_minutes=10), history, dedicated=2, spot=1)
    assert (outcome.dedicated, outcome.low_priority) == (0, 0)
    assert results(outcome)["idle"] == "1"


def test_too_few_samples_never_empty_a_pool():
    # A pool whose history is 2 minutes long cannot know it has been idle for 10.
    outcome = _run(formula(10, idle_minutes=10), [0.0] * 4, dedicated=3)
    assert outcome.dedicated == 3
    assert results(outcome)["idle"] == "0"


def test_a_pool_with_no_samples_at_all_reports_an_error_and_keeps_its_nodes():
    # Azure evaluates before its first sample only if asked to; the service then keeps the
    # targets, which is what the local pool's evaluation does with an error too.
    outcome = run(formula(4), inputs(dedicated=2))
    assert outcome.error is not None


def test_a_lowered_maximum_caps_the_nodes_kept_while_idle():
    outcome = _run(formula(2, idle_minutes=10), [0.0] * 3, dedicated=5)
    assert outcome.dedicated == 2


def test_read_formula_gives_back_the_plan():
    assert read_formula(formula(6, 0.25, 0.5)) == AutoscalePlan(6, 0.25, 0.5)
    assert read_formula("$TargetDedicatedNodes = 1;") is None
    assert read_formula(None) is None


def test_plan_summary():
    assert AutoscalePlan(4, 0.5, 10).summary == (
        "up to 4 nodes (50% Spot), empties after 10 idle minutes"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 0.0, 10.0), "use 1 node or more"),
        ((2, 1.5, 10.0), r"use 0 \(none\) to 1"),
        ((2, 0.0, 0.0), "more than 0 minutes"),
    ],
)
def test_settings_that_cannot_work_are_refused(args, message):
    with pytest.raises(AutoscaleError, match=message):
        formula(*args)


def test_spot_share_of_node_counts():
    assert spot_share_of(3, 1) == 0.25
    assert spot_share_of(0, 0) == 0.0
