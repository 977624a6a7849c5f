"""What a pool's autoscale is doing, in words: one definition for `pools list` and the Pools tab.

An autoscale pool with our formula empties itself, so its idle nodes are no alarm: the line
says when they go instead. Someone else's formula is shown as on, with its last run.
"""

from __future__ import annotations

from typing import Any

from azure_batch_maya.render.autoscale import AutoscalePlan, read_formula
from azure_batch_maya.services.autoscale import AutoscaleState


def plan_of(state: AutoscaleState) -> AutoscalePlan | None:
    """Our formula's settings when the pool runs it; None when off or someone else's."""
    return read_formula(state.formula) if state.enabled else None


def targets_of(state: AutoscaleState) -> str:
    """The last run's targets: '2 dedicated, 1 Spot' ('' before any run)."""
    dedicated = state.result("$TargetDedicatedNodes")
    spot = state.result("$TargetLowPriorityNodes")
    if dedicated is None and spot is None:
        return ""
    return f"{dedicated or 0} dedicated, {spot or 0} Spot"


def autoscale_line(state: AutoscaleState) -> str:
    """One line: 'autoscale: up to 4 nodes, empties after 10 idle minutes; last run 12:05 UTC
    → 2 dedicated, 0 Spot' or with the run's error; '' when autoscale is off."""
    if not state.enabled:
        return ""
    plan = plan_of(state)
    what = plan.summary if plan else "on (a formula not made by azure-batch-maya)"
    when = (
        f"; last run {state.evaluated_at:%Y-%m-%d %H:%M:%S} UTC"
        if state.evaluated_at
        else "; not run yet"
    )
    if state.error:
        return f"autoscale: {what}{when} failed: {state.error}; the pool keeps its node counts"
    targets = targets_of(state)
    return f"autoscale: {what}{when}" + (f" → {targets}" if targets else "")


def idle_note(state: AutoscaleState, idle_nodes: int) -> str | None:
    """What idle nodes mean on an autoscale pool (None: not autoscaled, warn as usual)."""
    plan = plan_of(state)
    if plan is None or state.error:
        return None
    nodes = f"{idle_nodes} idle node{'s' if idle_nodes != 1 else ''}"
    return f"{nodes}; the pool empties itself after {plan.idle_phrase}"


def autoscale_json(state: AutoscaleState) -> dict[str, Any]:
    plan = plan_of(state)
    return {
        "enabled": state.enabled,
        "max_nodes": plan.max_nodes if plan else None,
        "spot_share": plan.spot_share if plan else None,
        "idle_minutes": plan.idle_minutes if plan else None,
        "interval_seconds": state.interval.total_seconds() if state.interval else None,
        "evaluated_at": state.evaluated_at.isoformat() if state.evaluated_at else None,
        "results": state.results,
        "error": state.error,
    }
