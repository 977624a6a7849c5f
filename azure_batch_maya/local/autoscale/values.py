"""The formula language's values: double, doubleVec, string, timestamp, timeinterval.

A double is a Python float and a string a str; the others are small frozen types. Times are
seconds (UTC seconds since 1970 for a timestamp), so arithmetic on them is plain float math.
`render` writes a value as the service's `results` string shows it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

TICK = 1e-7  # TimeInterval_100ns: the service's clock is .NET ticks


class ValueFault(Exception):
    """A value that does not fit (wrong type, out of range); the evaluator adds the place."""


@dataclass(frozen=True)
class DoubleVec:
    values: tuple[float, ...]


@dataclass(frozen=True)
class Timestamp:
    """A point in time, UTC; members year, month, day, weekday, hour, minute, second."""

    seconds: float

    def member(self, name: str) -> float:
        parts = time.gmtime(self.seconds)
        members = {
            "year": parts.tm_year,
            "month": parts.tm_mon,
            "day": parts.tm_mday,
            # .NET's DayOfWeek, which the docs follow: 1 is Monday, Sunday is 0.
            "weekday": (parts.tm_wday + 1) % 7,
            "hour": parts.tm_hour,
            "minute": parts.tm_min,
            "second": parts.tm_sec,
        }
        if name not in members:
            raise ValueFault(f"A timestamp has no member {name}")
        return float(members[name])


@dataclass(frozen=True)
class TimeInterval:
    seconds: float


TIME_INTERVALS = {
    "TimeInterval_Zero": 0.0,
    "TimeInterval_100ns": TICK,
    "TimeInterval_Microsecond": 1e-6,
    "TimeInterval_Millisecond": 1e-3,
    "TimeInterval_Second": 1.0,
    "TimeInterval_Minute": 60.0,
    "TimeInterval_Hour": 3600.0,
    "TimeInterval_Day": 86400.0,
    "TimeInterval_Week": 7 * 86400.0,
    "TimeInterval_Year": 365 * 86400.0,
}

Value = float | str | DoubleVec | Timestamp | TimeInterval


def type_name(value: object) -> str:
    """The language's name for a value's type, for error messages."""
    names = {
        float: "double",
        str: "string",
        DoubleVec: "doubleVec",
        Timestamp: "timestamp",
        TimeInterval: "timeinterval",
    }
    return names.get(type(value), "sample variable")


def render(value: Value) -> str:
    """`10`, `0.5`, `[1,2]`, `2016-10-13T19:18:47.805Z`, `00:15:00`, or the string itself."""
    if isinstance(value, float):
        return render_double(value)
    if isinstance(value, DoubleVec):
        return "[" + ",".join(render_double(v) for v in value.values) + "]"
    if isinstance(value, Timestamp):
        whole = int(value.seconds // 1)
        millis = round((value.seconds - whole) * 1000)
        if millis == 1000:
            whole, millis = whole + 1, 0
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"
    if isinstance(value, TimeInterval):
        return render_interval(value.seconds)
    return value


def render_double(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def render_interval(seconds: float) -> str:
    """.NET TimeSpan's form: `[-][d.]hh:mm:ss[.fffffff]`."""
    sign = "-" if seconds < 0 else ""
    ticks = round(abs(seconds) / TICK)
    days, rest = divmod(ticks, 86400 * 10_000_000)
    hours, rest = divmod(rest, 3600 * 10_000_000)
    minutes, rest = divmod(rest, 60 * 10_000_000)
    whole, fraction = divmod(rest, 10_000_000)
    text = f"{hours:02d}:{minutes:02d}:{whole:02d}"
    if fraction:
        text += f".{fraction:07d}"
    return sign + (f"{days}." if days else "") + text
