"""Benchmark: Microsoft's task-based formula (Example 2) on a day of samples.

Prints the time to evaluate it (parse and evaluate) on 24 hours of 30-second samples of every
variable, and the time to build those inputs from the histories, which the local pool does
once per autoscale pool and evaluation interval. Aim: a few milliseconds, against an interval
of minutes and the engine's 250 ms tick.
"""

from __future__ import annotations

import time

from azure_batch_maya.local.autoscale.evaluate import evaluate
from azure_batch_maya.local.autoscale.metrics import MEASURED
from azure_batch_maya.local.autoscale.parser import parse
from tests.local.autoscale.helpers import inputs
from tests.local.autoscale.microsoft_examples import TASK_BASED

DAY = 2_880  # samples, one every 30 s
ROUNDS = 200


def test_bench_example_2_on_a_day_of_samples() -> None:
    samples = {name: [float(i % 7) for i in range(DAY)] for name in MEASURED}
    started = time.perf_counter()
    for _ in range(ROUNDS):
        given = inputs(samples=samples, dedicated=4)
    building = (time.perf_counter() - started) / ROUNDS
    started = time.perf_counter()
    for _ in range(ROUNDS):
        outcome = evaluate(parse(TASK_BASED.formula), given)
    evaluating = (time.perf_counter() - started) / ROUNDS
    assert outcome.error is None
    print(
        f"\nautoscale, Example 2 on {DAY} samples of {len(MEASURED)} variables:"
        f" inputs {building * 1000:.2f} ms, parse and evaluate {evaluating * 1000:.2f} ms"
    )
