"""Sample history of the read-only service variables and their methods.

The service samples its metrics every 30 seconds; a formula reads them through `GetSample`,
`GetSamplePercent`, `GetSamplePeriod`, `Count` and `HistoryBeginTime` (Microsoft's "Obtain
sample data"). Time arguments are look-backs from now (a timeinterval) or points in time (a
timestamp); the sample percentage is the samples present in the range over those the period
promises there, and `GetSample(..., percent)` fails when fewer are present.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from azure_batch_maya.local.autoscale.values import (
    DoubleVec,
    TimeInterval,
    Timestamp,
    Value,
    ValueFault,
    render_double,
    type_name,
)

METHOD_NAMES = frozenset(
    {"GetSample", "GetSamplePeriod", "Count", "HistoryBeginTime", "GetSamplePercent"}
)


@dataclass(frozen=True)
class SampleHistory:
    """One metric's samples, oldest first, as (UTC seconds, value), one every `period` s."""

    period: float
    samples: tuple[tuple[float, float], ...] = ()

    def latest(self, count: int) -> tuple[float, ...]:
        return tuple(value for _, value in self.samples[max(0, len(self.samples) - count) :])

    def between(self, start: float, end: float) -> tuple[float, ...]:
        """Values sampled after `start`, up to and including `end`."""
        times = [moment for moment, _ in self.samples]
        first = bisect.bisect_right(times, start)
        last = bisect.bisect_right(times, end)
        return tuple(value for _, value in self.samples[first:last])

    def percent(self, start: float, end: float) -> float:
        """Samples present in (start, end] as a percentage of those the period promises."""
        expected = (end - start) / self.period
        if expected <= 0:
            return 100.0
        return min(100.0, 100.0 * len(self.between(start, end)) / expected)


@dataclass(frozen=True)
class Metric:
    """A read-only service variable: its history, and its value when used as a double."""

    name: str
    history: SampleHistory
    current: float | None = None

    def as_double(self) -> float:
        if self.current is None:
            raise ValueFault(f"{self.name} has no current value; read it with GetSample")
        return float(self.current)


def call_method(metric: Metric, name: str, args: Sequence[Value], now: float) -> Value:
    """Run one sample method of `metric` with evaluated `args` at time `now`."""
    history = metric.history
    label = f"{metric.name}.{name}"
    if name == "GetSamplePeriod":
        _arity(label, args, 0, 0)
        return TimeInterval(history.period)
    if name == "Count":
        _arity(label, args, 0, 0)
        return float(len(history.samples))
    if name == "HistoryBeginTime":
        _arity(label, args, 0, 0)
        if not history.samples:
            raise ValueFault(f"{label}: {metric.name} has no samples yet")
        return Timestamp(history.samples[0][0])
    if name == "GetSamplePercent":
        _arity(label, args, 1, 2)
        start, end = _range(label, args, now)
        return history.percent(start, end)
    return _get_sample(metric, label, args, now)


def _get_sample(metric: Metric, label: str, args: Sequence[Value], now: float) -> DoubleVec:
    history = metric.history
    _arity(label, args, 1, 3)
    if isinstance(args[0], float):
        if len(args) > 1:
            raise ValueFault(
                f"{label}(count) takes no other argument; for a time range give"
                " (time [, time] [, samplePercent])"
            )
        count = args[0]
        if not math.isfinite(count) or count < 1:
            raise ValueFault(f"{label}: the sample count must be at least 1")
        if not history.samples:
            raise ValueFault(f"{label}: {metric.name} has no samples yet")
        return DoubleVec(history.latest(int(count)))
    times = [arg for arg in args if not isinstance(arg, float)]
    required = args[-1] if isinstance(args[-1], float) and len(args) > 1 else None
    if len(times) + (required is not None) != len(args):
        raise ValueFault(f"{label}: expected (time [, time] [, samplePercent])")
    start, end = _range(label, times, now)
    if required is not None:
        present = history.percent(start, end)
        if present < required:
            raise ValueFault(
                f"{label}: insufficient samples: {render_double(round(present, 2))} percent of"
                f" the samples in the time range are available, {render_double(required)}"
                " percent required"
            )
    return DoubleVec(history.between(start, end))


def _range(label: str, args: Sequence[Value], now: float) -> tuple[float, float]:
    """(start, end) in UTC seconds of one look-back (until now) or of two bounds."""
    moments = []
    for arg in args:
        if isinstance(arg, TimeInterval):
            moments.append(now - arg.seconds)
        elif isinstance(arg, Timestamp):
            moments.append(arg.seconds)
        else:
            raise ValueFault(f"{label}: expected a timestamp or timeinterval, not {type_name(arg)}")
    if len(moments) == 1:
        moments.append(now)
    return min(moments), max(moments)


def _arity(label: str, args: Sequence[Value], least: int, most: int) -> None:
    if not least <= len(args) <= most:
        wanted = "no" if most == 0 else f"{least} to {most}" if least != most else f"{least}"
        raise ValueFault(f"{label} takes {wanted} arguments, not {len(args)}")
