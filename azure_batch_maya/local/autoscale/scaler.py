"""The engine's side of autoscale: sample every pool, run formulas on schedule, resize.

The one part of this package with state. The engine calls `tick` from its loop (under its
lock, as the REST handlers call the rest): every `sample period` seconds (30, as on Azure,
unless the server was started with `--autoscale-sample-period`) it records each active
pool's measured variables; each autoscale pool's formula runs when autoscale is enabled and
then every evaluation interval, and a change of target resizes the pool through the
engine's allocation, freeing nodes as `$NodeDeallocationOption` says. Histories live in
memory: after a restart they start again, and every autoscale pool is evaluated at once.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from azure_batch_maya.local.autoscale.evaluate import Inputs, Outcome, evaluate
from azure_batch_maya.local.autoscale.metrics import ALIASES, RESOURCE_METRICS, measure
from azure_batch_maya.local.autoscale.parser import parse
from azure_batch_maya.local.autoscale.problems import FormulaSyntaxError
from azure_batch_maya.local.autoscale.samples import Metric, SampleHistory
from azure_batch_maya.local.autoscale.settings import (
    MIN_INTERVAL_SECONDS,
    SYNTAX_ERROR,
    with_run,
)
from azure_batch_maya.local.autoscale.tree import Formula
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.entities import set_state, touch
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import iso, parse_duration
from azure_batch_maya.local.store import Store

log = logging.getLogger(__name__)

Doc = dict[str, Any]
Resize = Callable[[Doc, str], None]

EVALUATION_ERROR = "AutoScalingFormulaEvaluationError"
# "You cannot call this API for the same Pool more than once every 30 seconds."
ENABLE_SPACING_SECONDS = 30.0
_HISTORY_SECONDS = 24 * 3600.0
_HISTORY_CAP = 20_000


class AutoScaler:
    """Sample histories and evaluation schedules of the local pool's pools."""

    def __init__(
        self, store: Store, config: PoolConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.floor = config.autoscale_interval_floor
        self.period = config.autoscale_sample_period
        # The limit between enable requests shrinks with the floor, so tests stay fast.
        self.enable_spacing = ENABLE_SPACING_SECONDS * self.floor / MIN_INTERVAL_SECONDS
        self._clock = clock
        self._keep = max(10, min(_HISTORY_CAP, int(_HISTORY_SECONDS / self.period)))
        self._histories: dict[str, dict[str, deque[tuple[float, float]]]] = {}
        self._next_sample = 0.0
        self._due: dict[str, float] = {}
        self._enabled_at: dict[str, float] = {}

    def tick(self, resize: Resize) -> None:
        """Record samples when due, then run the formulas whose time has come."""
        now = self._clock()
        pools = [pool for pool in self.store.list_pools() if pool["state"] == "active"]
        live = {pool["id"] for pool in pools}
        for gone in [pool_id for pool_id in self._histories if pool_id not in live]:
            self.forget(gone)
        if now >= self._next_sample:
            self._next_sample = now + self.period
            for pool in pools:
                self._record(pool, now)
        for pool in pools:
            if pool.get("enableAutoScale") and now >= self._due.get(pool["id"], now):
                try:
                    self.store.put_pool(self.run(pool, resize))
                except Exception:
                    # One pool's failure must not stop the engine's tick for every pool.
                    log.exception("autoscale of pool %s failed", pool["id"])
                    self._due[pool["id"]] = now + self.floor

    def run(self, pool: Doc, resize: Resize, *, reschedule: bool = True) -> Doc:
        """Evaluate the pool's formula now, apply its targets, and schedule the next run.

        With `reschedule` false a pool that has a schedule keeps it (a new formula alone
        does not restart the schedule; a new interval does). Returns the pool with its new
        `autoScaleRun` (not stored: the caller stores it).
        """
        now = self._clock()
        interval = parse_duration(pool["autoScaleEvaluationInterval"])
        if reschedule or pool["id"] not in self._due:
            self._due[pool["id"]] = now + interval
        try:
            formula = parse(pool["autoScaleFormula"])
        except FormulaSyntaxError as error:
            return with_run(pool, _run_doc(now, _results(pool), SYNTAX_ERROR, str(error)))
        outcome = self.outcome(pool, formula, now)
        pool = with_run(pool, run_doc(outcome, now))
        if outcome.error is None:
            self._apply(pool, outcome, resize)
        return pool

    def evaluation(self, pool: Doc, formula: Formula) -> Doc:
        """The `autoScaleRun` of `formula` on the pool now, not applied (evaluateautoscale)."""
        now = self._clock()
        return run_doc(self.outcome(pool, formula, now), now)

    def outcome(self, pool: Doc, formula: Formula, now: float) -> Outcome:
        """The formula evaluated on the pool's samples and current values, not applied."""
        if pool["id"] not in self._histories:
            # A pool's first evaluation sees one sample, taken now.
            self._record(pool, now)
        return evaluate(formula, self.inputs(pool, now))

    def inputs(self, pool: Doc, now: float) -> Inputs:
        current = self._measure(pool)
        histories = self._histories.get(pool["id"], {})
        metrics = {
            name: Metric(name, SampleHistory(self.period, tuple(histories.get(name, ()))), value)
            for name, value in current.items()
        }
        for name in RESOURCE_METRICS:
            metrics[name] = Metric(name, SampleHistory(self.period))
        for alias, name in ALIASES.items():
            metrics[alias] = Metric(alias, metrics[name].history, metrics[name].current)
        return Inputs(
            now,
            metrics,
            int(pool["targetDedicatedNodes"]),
            int(pool["targetLowPriorityNodes"]),
        )

    def check_enable_spacing(self, pool_id: str) -> None:
        """The service's 503 when autoscale is enabled again too soon on one pool."""
        now = self._clock()
        last = self._enabled_at.get(pool_id)
        if last is not None and now - last < self.enable_spacing:
            raise BatchServiceError(
                "TooManyEnableAutoScaleRequests",
                "Too many Enable Pool AutoScale requests are issued on the pool.",
                status=503,
            )
        self._enabled_at[pool_id] = now

    def forget(self, pool_id: str) -> None:
        """Drop a deleted pool's samples and schedule."""
        self._histories.pop(pool_id, None)
        self.stop(pool_id)
        self._enabled_at.pop(pool_id, None)

    def stop(self, pool_id: str) -> None:
        """Autoscale was disabled: no more scheduled runs (the samples stay)."""
        self._due.pop(pool_id, None)

    def _apply(self, pool: Doc, outcome: Outcome, resize: Resize) -> None:
        targets = (outcome.dedicated, outcome.low_priority)
        if targets == (pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"]):
            return
        if pool["allocationState"] == "stopping":
            return
        pool["targetDedicatedNodes"], pool["targetLowPriorityNodes"] = targets
        ticks = self.store.ticks()
        set_state(pool, "resizing", ticks, key="allocationState")
        touch(pool, ticks)
        log.info("autoscale resizes pool %s to %s (%s)", pool["id"], targets, outcome.deallocation)
        resize(pool, outcome.deallocation)

    def _record(self, pool: Doc, now: float) -> None:
        histories = self._histories.setdefault(pool["id"], {})
        for name, value in self._measure(pool).items():
            histories.setdefault(name, deque(maxlen=self._keep)).append((now, value))

    def _measure(self, pool: Doc) -> dict[str, float]:
        jobs = [
            (job, self.store.task_counts(job["id"]))
            for job in self.store.list_jobs()
            if job.get("executionInfo", {}).get("poolId") == pool["id"]
        ]
        return measure(pool, self.store.list_nodes(pool["id"]), jobs)


def run_doc(outcome: Outcome, now: float) -> Doc:
    """An `autoScaleRun` as the service returns it: timestamp, results, and any error."""
    if outcome.error is None:
        return {"timestamp": _stamp(now), "results": outcome.results}
    return _run_doc(now, outcome.results, EVALUATION_ERROR, str(outcome.error))


def _run_doc(now: float, results: str, code: str, detail: str) -> Doc:
    message = (
        "The specified auto-scaling formula has evaluation error"
        if code == EVALUATION_ERROR
        else "The specified auto-scaling formula has a syntax error."
    )
    return {
        "timestamp": _stamp(now),
        "results": results,
        "error": {
            "code": code,
            "message": message,
            "values": [{"name": "Message", "value": detail}],
        },
    }


def _results(pool: Doc) -> str:
    return (
        f"$TargetDedicatedNodes={pool['targetDedicatedNodes']};"
        f"$TargetLowPriorityNodes={pool['targetLowPriorityNodes']};"
        "$NodeDeallocationOption=requeue"
    )


def _stamp(now: float) -> str:
    return iso(int(now * 10_000_000))
