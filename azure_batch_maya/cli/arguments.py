"""Argument types every command shares, checked by argparse before anything runs.

A bad id, a time limit of `nan`, a negative count or a file where a folder belongs is refused
here, in one line, before a connection is made or a byte is uploaded (so `--job-id ../x` never
leaves an orphan manifest behind).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path

# Batch ids: letters, digits, hyphens and underscores, at most 64 characters (job, pool, task).
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_HOURS = 180 * 24  # Batch ends any task 180 days after it was added
MAX_COUNT = 100_000


def batch_id(text: str) -> str:
    """A job or pool id as Batch accepts it."""
    if not _BATCH_ID.match(text):
        shown = text if len(text) <= 70 else text[:60] + "…"
        raise argparse.ArgumentTypeError(
            f"{shown!r} is not a Batch id: use 1 to 64 letters, digits, hyphens and underscores"
        )
    return text


def finite_number(
    unit: str,
    *,
    above: float | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
    limit: str = "",
) -> Callable[[str], float]:
    """A type for argparse: a finite number of `unit`, above `above` (or at least `at_least`)
    and at most `at_most`; `limit` says in words what the upper bound is."""
    low = f"above {above:g}" if above is not None else f"of {at_least:g} or more"
    high = f" and at most {at_most:g}" if at_most is not None else ""
    words = f"give a number {low}{high}" + (f" ({limit})" if limit else "")

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        fits = (
            math.isfinite(value)
            and (above is None or value > above)
            and (at_least is None or value >= at_least)
            and (at_most is None or value <= at_most)
        )
        if not fits:
            raise argparse.ArgumentTypeError(f"{text!r} {unit}: {words}")
        return value

    return parse


hours = finite_number("hours", above=0, at_most=MAX_HOURS, limit="180 days")  # time limits
seconds = finite_number("seconds", above=0, at_most=86_400, limit="a day")  # between passes
# between autoscale evaluations: the local pool also takes less than Azure's 5 minutes
interval_minutes = finite_number(
    "minutes", above=0, at_most=7 * 24 * 60, limit="Azure takes 5 to 10080"
)
gigabytes = finite_number("GB", at_least=0)  # free disk a node needs


def count(low: int, high: int = MAX_COUNT) -> Callable[[str], int]:
    """An integer type for argparse that accepts `low` … `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value}: give a number from {low} to {high:,}")
        return value

    return parse


def folder_to_fill(text: str) -> Path:
    """A folder to write into: may not exist yet, but must not be a file."""
    path = Path(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder; give a folder")
    return path


def existing_folder(text: str) -> str:
    """A folder that must exist (a search path, a project)."""
    if not Path(text).is_dir():
        what = "a file, not a folder" if Path(text).exists() else "not a folder on this machine"
        raise argparse.ArgumentTypeError(f"{text} is {what}; fix or drop it")
    return text
