"""The built-in functions of the autoscale language, as Microsoft's function table lists them.

Most take a doubleVecList: any mix of doubles and doubleVecs, flattened into one vector
(`avg(v, 7)` is `avg(1, 2, 3, 7)` when v is [1, 2, 3]). `lg`, `ln`, `log`, `ceil`, `floor`
and `round` return a double for one double and a doubleVec otherwise. `stop()` ends the
evaluation. `count` is not a documented function (only the sample method `Count()`), so it
is not one here.
"""

from __future__ import annotations

import calendar
import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parsedate_tz

from azure_batch_maya.local.autoscale.values import (
    DoubleVec,
    Timestamp,
    Value,
    ValueFault,
    type_name,
)

_W3C_DTF = re.compile(
    r"^(?P<year>\d{4})(?:-(?P<month>\d\d)(?:-(?P<day>\d\d)"
    r"(?:T(?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d(?:\.\d+)?))?"
    r"(?P<zone>Z|[+-]\d\d:\d\d)?)?)?)?$"
)


class Stop(Exception):
    """`stop()` was called: evaluation ends here with the values set so far."""


@dataclass(frozen=True)
class Environment:
    """What functions may read besides their arguments: the time and a random source."""

    now: float
    random: Callable[[], float]


Function = Callable[[Sequence[Value], Environment], Value]


def flatten(name: str, args: Sequence[Value]) -> tuple[float, ...]:
    """A doubleVecList as one vector; anything but doubles and doubleVecs is refused."""
    values: list[float] = []
    for arg in args:
        if isinstance(arg, float):
            values.append(arg)
        elif isinstance(arg, DoubleVec):
            values.extend(arg.values)
        else:
            raise ValueFault(f"{name} takes doubles and doubleVecs, not a {type_name(arg)}")
    return tuple(values)


def _some(name: str, args: Sequence[Value]) -> tuple[float, ...]:
    values = flatten(name, args)
    if not values:
        raise ValueFault(f"{name} of an empty list")
    return values


def _reducer(
    name: str, reduce: Callable[[tuple[float, ...]], float], *, empty_ok: bool
) -> Function:
    def run(args: Sequence[Value], _env: Environment) -> Value:
        values = flatten(name, args) if empty_ok else _some(name, args)
        return float(reduce(values))

    return run


def _std(args: Sequence[Value], _env: Environment) -> Value:
    values = flatten("std", args)
    if len(values) < 2:
        raise ValueFault("std needs at least two values (it is the sample standard deviation)")
    return float(statistics.stdev(values))


def _elementwise(name: str, apply: Callable[[float], float], *, positive: bool = False) -> Function:
    def one(value: float) -> float:
        if positive and value <= 0:
            raise ValueFault(f"{name} of {value!r}: the value must be greater than 0")
        return float(apply(value))

    def run(args: Sequence[Value], _env: Environment) -> Value:
        if len(args) == 1 and isinstance(args[0], float):
            return one(args[0])
        return DoubleVec(tuple(one(value) for value in _some(name, args)))

    return run


def _round_half_away(value: float) -> float:
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _percentile(args: Sequence[Value], _env: Environment) -> Value:
    if len(args) != 2 or not isinstance(args[1], float):
        raise ValueFault("percentile takes (doubleVec v, double p)")
    values = sorted(_some("percentile", args[:1]))
    p = args[1]
    if not 0 <= p <= 100:
        raise ValueFault(f"percentile: p must be between 0 and 100, not {p!r}")
    # The nearest-rank percentile: an element of the vector, as the docs describe it.
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


def _val(args: Sequence[Value], _env: Environment) -> Value:
    if len(args) != 2 or not isinstance(args[1], float):
        raise ValueFault("val takes (doubleVec v, double i)")
    values = flatten("val", args[:1])
    index = args[1]
    if index != int(index) or not 0 <= index < len(values):
        raise ValueFault(f"val: index {index!r} is outside the vector of {len(values)} values")
    return values[int(index)]


def _rand(args: Sequence[Value], env: Environment) -> Value:
    if args:
        raise ValueFault("rand takes no arguments")
    return float(env.random())


def _stop(args: Sequence[Value], _env: Environment) -> Value:
    if args:
        raise ValueFault("stop takes no arguments")
    raise Stop


def _time(args: Sequence[Value], env: Environment) -> Value:
    if not args or (len(args) == 1 and args[0] == ""):
        return Timestamp(env.now)
    if len(args) != 1 or not isinstance(args[0], str):
        raise ValueFault("time takes one string (W3C-DTF or RFC 1123), or nothing")
    return Timestamp(parse_time(args[0]))


def parse_time(text: str) -> float:
    """UTC seconds of a W3C-DTF (`2016-10-13T19:18:47Z`) or RFC 1123 date and time."""
    match = _W3C_DTF.match(text.strip())
    if match:
        parts = match.groupdict()
        seconds = float(parts["second"] or 0)
        moment = calendar.timegm(
            (
                int(parts["year"]),
                int(parts["month"] or 1),
                int(parts["day"] or 1),
                int(parts["hour"] or 0),
                int(parts["minute"] or 0),
                int(seconds),
                0,
                0,
                0,
            )
        )
        zone = parts["zone"] or "Z"
        east = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[4:6])) * 60
        return moment + (seconds - int(seconds)) - (east if zone[0] == "+" else -east)
    parsed = parsedate_tz(text)
    if parsed is None:
        raise ValueFault(f"time: '{text}' is neither a W3C-DTF nor an RFC 1123 date")
    return float(calendar.timegm((*parsed[:6], 0, 0, 0)) - (parsed[9] or 0))


FUNCTIONS: dict[str, Function] = {
    "avg": _reducer("avg", statistics.fmean, empty_ok=False),
    "ceil": _elementwise("ceil", math.ceil),
    "floor": _elementwise("floor", math.floor),
    "len": _reducer("len", len, empty_ok=True),
    "lg": _elementwise("lg", math.log2, positive=True),
    "ln": _elementwise("ln", math.log, positive=True),
    "log": _elementwise("log", math.log10, positive=True),
    "max": _reducer("max", max, empty_ok=False),
    "min": _reducer("min", min, empty_ok=False),
    "norm": _reducer("norm", lambda values: math.sqrt(sum(v * v for v in values)), empty_ok=True),
    "percentile": _percentile,
    "rand": _rand,
    "range": _reducer("range", lambda values: max(values) - min(values), empty_ok=False),
    "round": _elementwise("round", _round_half_away),
    "std": _std,
    "stop": _stop,
    "sum": _reducer("sum", math.fsum, empty_ok=True),
    "time": _time,
    "val": _val,
}
FUNCTION_NAMES = frozenset(FUNCTIONS)
