"""Our autoscale formula: a pool that grows to its pending work and empties itself when idle.

A persistent pool costs money while its nodes sit idle; with this formula Batch itself resizes
it. It asks for one node per `$TaskSlotsPerNode` pending (active + running) tasks, up to a
maximum, split between dedicated and Spot nodes by a share; with no pending work it keeps its
nodes (the next job starts at once) until no task has been pending for N minutes, then goes
to 0. `$NodeDeallocationOption = taskcompletion` lets a leaving node finish its task.

Few samples (a new pool, or history still short) never empty a pool nor fail the formula:
the current count is read with `GetSample(1)` and the idle test needs 70 % of the idle
window's samples, as Microsoft's "Create a formula to automatically scale compute nodes"
advises. The settings are written into the formula as plain variables, so `read_formula`
gets them back from a pool's `autoScaleFormula` for the pool list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

MARKER = "// azure-batch-maya autoscale"
DEFAULT_IDLE_MINUTES = 10.0
EVALUATION_INTERVAL = timedelta(minutes=5)  # the shortest Azure takes
MIN_SAMPLE_PERCENT = 70
MAX_IDLE_MINUTES = 7 * 24 * 60.0  # Azure keeps a week of samples at most


class AutoscaleError(ValueError):
    """Autoscale settings that cannot work; the message says what to use instead."""


@dataclass(frozen=True)
class AutoscalePlan:
    """What the formula does: at most `max_nodes`, `spot_share` of them Spot, 0 after idling."""

    max_nodes: int
    spot_share: float = 0.0
    idle_minutes: float = DEFAULT_IDLE_MINUTES

    def __post_init__(self) -> None:
        if self.max_nodes < 1:
            raise AutoscaleError(f"autoscale max {self.max_nodes}: use 1 node or more")
        if not 0.0 <= self.spot_share <= 1.0:  # also refuses nan
            raise AutoscaleError(f"Spot share {self.spot_share}: use 0 (none) to 1 (all Spot)")
        if not 0 < self.idle_minutes <= MAX_IDLE_MINUTES:
            raise AutoscaleError(
                f"idle minutes {self.idle_minutes}: use more than 0 minutes, "
                f"at most {MAX_IDLE_MINUTES:.0f} (a week)"
            )

    @property
    def idle_phrase(self) -> str:
        """'10 idle minutes'."""
        return f"{_number(self.idle_minutes)} idle minutes"

    @property
    def summary(self) -> str:
        """One line for lists: 'up to 4 nodes (50% Spot), empties after 10 idle minutes'."""
        spot = f" ({self.spot_share:.0%} Spot)" if self.spot_share else ""
        return (
            f"up to {self.max_nodes} node{'s' if self.max_nodes != 1 else ''}{spot}, "
            f"empties after {self.idle_phrase}"
        )


def formula(max_nodes: int, spot_share: float = 0.0, idle_minutes: float = 10.0) -> str:
    """The autoscale formula text for these settings (checked as `AutoscalePlan` checks them)."""
    plan = AutoscalePlan(max_nodes, spot_share, idle_minutes)
    return f"""{MARKER}: grow to the pending work, empty after idle minutes.
maxNodes = {plan.max_nodes};
spotShare = {_number(plan.spot_share)};
idleMinutes = {_number(plan.idle_minutes)};
idleSpan = idleMinutes * TimeInterval_Minute;
slots = max(1, $TaskSlotsPerNode);
pending = max(0, $PendingTasks.GetSample(1));
covered = $PendingTasks.GetSamplePercent(idleSpan);
recent = max(0, $PendingTasks.GetSample(idleSpan));
idle = pending == 0 && covered >= {MIN_SAMPLE_PERCENT} && recent == 0;
wanted = min(maxNodes, ceil(pending / slots));
spot = round(wanted * spotShare);
keptDedicated = min($TargetDedicatedNodes, maxNodes);
keptSpot = min($TargetLowPriorityNodes, maxNodes - keptDedicated);
$TargetDedicatedNodes = pending > 0 ? wanted - spot : (idle ? 0 : keptDedicated);
$TargetLowPriorityNodes = pending > 0 ? spot : (idle ? 0 : keptSpot);
$NodeDeallocationOption = taskcompletion;
"""


_SETTING = re.compile(r"^(maxNodes|spotShare|idleMinutes) = ([0-9.]+);$", re.MULTILINE)


def read_formula(text: str | None) -> AutoscalePlan | None:
    """The plan behind a pool's formula when it is ours; None for anyone else's formula."""
    if not text or not text.startswith(MARKER):
        return None
    found = dict(_SETTING.findall(text))
    try:
        return AutoscalePlan(
            int(found["maxNodes"]), float(found["spotShare"]), float(found["idleMinutes"])
        )
    except (KeyError, ValueError):
        return None


def spot_share_of(dedicated_nodes: int, spot_nodes: int) -> float:
    """The Spot share a person means by asking for so many dedicated and Spot nodes."""
    total = dedicated_nodes + spot_nodes
    return spot_nodes / total if total else 0.0


def plan_for(
    max_nodes: int, idle_minutes: float, *, dedicated_nodes: int, spot_nodes: int
) -> tuple[AutoscalePlan, int, int]:
    """The plan for `max_nodes` with the Spot share the node counts mean, and `max_nodes`
    split that way (dedicated, Spot): the most the pool grows to, which the estimate prices.
    One definition for the CLI's `--autoscale` and the Submit tab."""
    plan = AutoscalePlan(max_nodes, spot_share_of(dedicated_nodes, spot_nodes), idle_minutes)
    spot = round(plan.max_nodes * plan.spot_share)
    return plan, plan.max_nodes - spot, spot


def _number(value: float) -> str:
    """3.0 → '3', 0.25 → '0.25': plain decimals, which the formula language reads."""
    return f"{value:.4f}".rstrip("0").rstrip(".")
