"""Autoscale of a pool over azure-batch 15: turn it on or change it, turn it off, try a formula.

Batch runs the formula every evaluation interval (5 minutes at the shortest on Azure) and
resizes the pool to its targets; `AutoscaleState` is what a pool says of its last run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from azure.batch import BatchClient, models

from azure_batch_maya.services.operations import batch_call

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AutoscaleState:
    """A pool's autoscale: on or off, its formula, and its last evaluation."""

    enabled: bool
    formula: str | None = None
    interval: timedelta | None = None
    evaluated_at: datetime | None = None
    results: str | None = None  # `$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;...`
    error: str | None = None  # the evaluation error's code and message

    def result(self, name: str) -> str | None:
        """One variable of the last run's results (`$TargetDedicatedNodes` → '2')."""
        for pair in (self.results or "").split(";"):
            key, _, value = pair.partition("=")
            if key == name:
                return value
        return None


AUTOSCALE_OFF = AutoscaleState(enabled=False)


def autoscale_state(pool: models.BatchPool) -> AutoscaleState:
    """What a pool (got with its autoscale properties) says of its autoscale."""
    if not pool.enable_auto_scale:
        return AUTOSCALE_OFF
    run = pool.auto_scale_run
    error = None
    if run is not None and run.error is not None:
        details = "; ".join(f"{item.value}" for item in run.error.error_values or () if item.value)
        error = f"{run.error.code}: {run.error.message}" + (f" ({details})" if details else "")
    return AutoscaleState(
        enabled=True,
        formula=pool.auto_scale_formula,
        interval=pool.auto_scale_evaluation_interval,
        evaluated_at=run.timestamp if run is not None else None,
        results=run.results if run is not None else None,
        error=error,
    )


def enable_pool_autoscale(
    client: BatchClient, pool_id: str, formula: str, *, interval: timedelta
) -> None:
    """Turn autoscale on (or change its formula and interval); Batch runs it at once."""
    options = models.BatchPoolEnableAutoScaleOptions(
        auto_scale_formula=formula, auto_scale_evaluation_interval=interval
    )
    with batch_call(client, f"turning on autoscale of pool {pool_id}"):
        client.enable_pool_auto_scale(pool_id, options)
    log.info("autoscale on for pool %s every %s", pool_id, interval)


def disable_pool_autoscale(client: BatchClient, pool_id: str) -> None:
    """Turn autoscale off; the pool keeps the node counts it has (Batch's behaviour)."""
    with batch_call(client, f"turning off autoscale of pool {pool_id}"):
        client.disable_pool_auto_scale(pool_id)
    log.info("autoscale off for pool %s", pool_id)


def evaluate_pool_autoscale(client: BatchClient, pool_id: str, formula: str) -> AutoscaleState:
    """What `formula` would set on the pool now, without applying it (autoscale must be on)."""
    options = models.BatchPoolEvaluateAutoScaleOptions(auto_scale_formula=formula)
    with batch_call(client, f"evaluating an autoscale formula on pool {pool_id}"):
        run = client.evaluate_pool_auto_scale(pool_id, options)
    error = f"{run.error.code}: {run.error.message}" if run.error is not None else None
    return AutoscaleState(
        enabled=True, formula=formula, evaluated_at=run.timestamp, results=run.results, error=error
    )
