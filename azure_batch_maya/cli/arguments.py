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


def hours(text: str) -> float:
    """A time limit in hours: a finite number above 0, at most Batch's 180 days."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of hours") from None
    if not math.isfinite(value) or not 0 < value <= MAX_HOURS:
        raise argparse.ArgumentTypeError(
            f"{text!r} hours: give a number above 0 and at most {MAX_HOURS} (180 days)"
        )
    return value


def seconds(text: str) -> float:
    """An interval in seconds: a finite number above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0 or value > 86_400:
        raise argparse.ArgumentTypeError(f"{text!r} seconds: give a number above 0, up to a day")
    return value


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
