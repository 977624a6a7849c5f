"""Plain-value inputs for the autoscale interpreter tests: histories, metrics, one run."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from azure_batch_maya.local.autoscale.evaluate import Inputs, Outcome, evaluate
from azure_batch_maya.local.autoscale.metrics import ALIASES, MEASURED, RESOURCE_METRICS
from azure_batch_maya.local.autoscale.parser import parse
from azure_batch_maya.local.autoscale.samples import Metric, SampleHistory

NOW = 1_476_386_327.805  # 2016-10-13T19:18:47.805Z, the time of the docs' sample output


def history(values: Sequence[float], *, period: float = 30.0, now: float = NOW) -> SampleHistory:
    """Samples every `period` seconds, the last one taken at `now`."""
    count = len(values)
    return SampleHistory(
        period, tuple((now - period * (count - 1 - i), float(v)) for i, v in enumerate(values))
    )


def inputs(
    *,
    samples: Mapping[str, Sequence[float]] | None = None,
    current: Mapping[str, float] | None = None,
    now: float = NOW,
    dedicated: int = 0,
    low_priority: int = 0,
    period: float = 30.0,
    draws: Sequence[float] = (0.25,),
) -> Inputs:
    """Every service variable: measured ones with the given samples (none by default) and
    current values (their last sample, or 0), resource ones with what is given."""
    samples = samples or {}
    current = current or {}
    metrics: dict[str, Metric] = {}
    for name in (*MEASURED, *RESOURCE_METRICS):
        values = samples.get(name, ())
        default = float(values[-1]) if values else (0.0 if name in MEASURED else None)
        metrics[name] = Metric(
            name, history(values, period=period, now=now), current.get(name, default)
        )
    for alias, name in ALIASES.items():
        metrics[alias] = Metric(alias, metrics[name].history, metrics[name].current)
    pending = list(draws)
    return Inputs(now, metrics, dedicated, low_priority, random=lambda: pending.pop(0))


def run(formula: str, given: Inputs | None = None) -> Outcome:
    return evaluate(parse(formula), given or inputs())


def results(outcome: Outcome) -> dict[str, str]:
    """`$a=1;b=2` as {"$a": "1", "b": "2"}."""
    return dict(pair.split("=", 1) for pair in outcome.results.split(";"))


def value(expression: str, given: Inputs | None = None) -> str:
    """What `$r = <expression>` puts in the results; fails the test on an error."""
    outcome = run(f"$r = {expression};", given)
    assert outcome.error is None, outcome.error
    return results(outcome)["$r"]


def error(formula: str, given: Inputs | None = None) -> str:
    """The evaluation error's message (`Line L, Col C: ...`); fails if there is none."""
    outcome = run(formula, given)
    assert outcome.error is not None, outcome.results
    return str(outcome.error)
