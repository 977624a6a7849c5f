"""Wire formats of the Batch service: timestamps, ETags and ISO 8601 durations.

The service is a .NET one: times carry 100 ns ticks (7 fractional digits), ETags are the
hex of the modification tick, and durations come back normalised (`PT06M00S` → `PT6M`).
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

# Ticks between 0001-01-01 (the .NET epoch) and 1970-01-01.
_EPOCH_TICKS = 621_355_968_000_000_000
_TICKS_PER_SECOND = 10_000_000

UNLIMITED_DURATION = "P10675199DT2H48M5.4775807S"
UNLIMITED_SECONDS = 10675199 * 86400 + 2 * 3600 + 48 * 60 + 5.4775807

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def now_ticks() -> int:
    """The current time in 100 ns ticks since the Unix epoch."""
    return time.time_ns() // 100


def iso(ticks: int) -> str:
    """`2026-01-22T21:43:18.5553032Z`: the service trims trailing zeros of the fraction."""
    seconds, fraction = divmod(ticks, _TICKS_PER_SECOND)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:07d}".rstrip("0")
    return f"{stamp}.{digits}Z" if digits else f"{stamp}Z"


def parse_iso(text: str) -> int:
    """Ticks of an ISO 8601 UTC timestamp with up to 7 fractional digits."""
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z?$", text)
    if match is None:
        raise ValueError(f"not an ISO 8601 UTC time: {text!r}")
    base = datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    fraction = int((match.group(2) or "0").ljust(7, "0"))
    return int(base.timestamp()) * _TICKS_PER_SECOND + fraction


def rfc1123(ticks: int) -> str:
    """`Thu, 22 Jan 2026 22:54:27 GMT`, as in `Last-Modified` and `ocp-creation-time`."""
    moment = datetime.fromtimestamp(ticks // _TICKS_PER_SECOND, tz=timezone.utc)
    return format_datetime(moment, usegmt=True)


def parse_rfc1123(text: str) -> float:
    """Seconds since the epoch of an HTTP date; raises ValueError when it is not one."""
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, IndexError) as error:
        raise ValueError(f"not an HTTP date: {text!r}") from error


def etag(ticks: int) -> str:
    """A bare hex ETag (`0x8DE59FF41A08ECC`) made from the .NET tick of the change."""
    return f"0x{ticks + _EPOCH_TICKS:X}"


def parse_duration(text: str) -> float:
    """Seconds in an ISO 8601 duration such as `PT1H30M` or `P1DT0.5S`."""
    match = _DURATION.match(text.strip())
    if match is None or text.strip() in ("P", "PT"):
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    parts = {k: float(v) for k, v in match.groupdict().items() if v is not None}
    return (
        parts.get("days", 0.0) * 86400
        + parts.get("hours", 0.0) * 3600
        + parts.get("minutes", 0.0) * 60
        + parts.get("seconds", 0.0)
    )


def format_duration(seconds: float) -> str:
    """The service's normal form: `PT6M`, `P7D`, `PT0.5S`; the maximum is the unlimited value."""
    if seconds >= UNLIMITED_SECONDS:
        return UNLIMITED_DURATION
    ticks = round(seconds * _TICKS_PER_SECOND)
    days, rest = divmod(ticks, 86400 * _TICKS_PER_SECOND)
    hours, rest = divmod(rest, 3600 * _TICKS_PER_SECOND)
    minutes, rest = divmod(rest, 60 * _TICKS_PER_SECOND)
    whole, fraction = divmod(rest, _TICKS_PER_SECOND)
    text = f"P{days}D" if days else "P"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if whole or fraction:
        digits = f"{fraction:07d}".rstrip("0")
        clock += f"{whole}.{digits}S" if digits else f"{whole}S"
    if clock:
        text += "T" + clock
    return text if text != "P" else "PT0S"


def normalise_duration(text: str) -> str:
    """Re-spell a duration the way the service echoes it back."""
    return format_duration(parse_duration(text))
