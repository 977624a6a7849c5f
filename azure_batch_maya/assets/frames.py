"""Frame lists as people type them: `1-10x2`, `5`, `1-3,7,10-20x5`.

Used to limit sequence expansion to the frames being rendered, and later to chunk render tasks.
A list is bounded by what one job can hold (`MAX_FRAMES`, docs/rendering.md) and counted
before it is expanded, so `1-1000000000` or a scene ending at frame 1e12 is refused at once
instead of filling memory.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from azure_batch_maya.scene.model import FrameRange

_PART = re.compile(
    r"^\s*(?P<start>-?\d+(?:\.\d+)?)"
    r"(?:\s*-\s*(?P<end>-?\d+(?:\.\d+)?)(?:\s*[x:]\s*(?P<step>\d+(?:\.\d+)?))?)?\s*$"
)


# Batch documents no hard cap on tasks in a job (its "large number of tasks" article speaks of
# hundreds of thousands), but adds them 100 a call and ends any task 180 days after it was
# added; 100,000 one-frame tasks is far past any Maya render and keeps a submission to 1,000
# calls. A frame number beyond a billion is a typo, not a shot.
MAX_FRAMES = 100_000
MAX_FRAME_NUMBER = 1e9


class FrameSpecError(ValueError):
    """A frame list that cannot be read; the message shows the accepted forms."""


class FrameBoundError(FrameSpecError):
    """More frames than a job can hold, or frame numbers out of any range."""


@dataclass(frozen=True)
class FrameSpec:
    """Ranges of frames, in the order given; each is a `FrameRange` (start, end, step)."""

    ranges: tuple[FrameRange, ...]

    def count(self) -> int:
        """How many frames the ranges hold (repeats counted), without expanding them."""
        return sum(range_count(r) for r in self.ranges)

    def frames(self) -> tuple[float, ...]:
        """Every frame once, in order of first appearance; raises `FrameBoundError` first when
        there are more than a job can hold."""
        check_bounds(self.ranges)
        seen: dict[float, None] = {}
        for r in self.ranges:
            for f in expand(r):
                seen.setdefault(f, None)
        return tuple(seen)

    def int_frames(self) -> frozenset[int]:
        """The whole frames touched; what sequence files on disk are numbered by."""
        return frozenset(math.floor(f) for f in self.frames())

    def __str__(self) -> str:
        return ",".join(_format(r) for r in self.ranges)


def parse_frames(text: str) -> FrameSpec:
    """Read `1-10x2`, `5`, `1-3,7,10-20x5` (`:` is accepted for `x`).

    Raises:
        FrameSpecError: on anything else, on a zero step, or on a range that runs backwards.
    """
    ranges: list[FrameRange] = []
    for part in text.split(","):
        m = _PART.match(part)
        if m is None:
            raise FrameSpecError(
                f"cannot read frames {text!r}: use forms like 5, 1-10, 1-10x2 or 1-3,7,10-20x5"
            )
        start = float(m["start"])
        end = float(m["end"]) if m["end"] is not None else start
        step = float(m["step"]) if m["step"] is not None else 1.0
        if step <= 0:
            raise FrameSpecError(f"frame step must be above 0 in {part.strip()!r}")
        if end < start:
            raise FrameSpecError(
                f"frames {part.strip()!r} run backwards; write {_n(end)}-{_n(start)}"
            )
        ranges.append(FrameRange(start, end, step))
    check_bounds(ranges)
    return FrameSpec(tuple(ranges))


def check_bounds(ranges: tuple[FrameRange, ...] | list[FrameRange]) -> None:
    """Raise `FrameBoundError` for numbers that are not finite or beyond `MAX_FRAME_NUMBER`,
    or for more than `MAX_FRAMES` frames in all."""
    total = 0
    for r in ranges:
        for value in (r.start, r.end):
            if not math.isfinite(value) or abs(value) > MAX_FRAME_NUMBER:
                raise FrameBoundError(
                    f"{_format(r)}: frame {value:g} is out of range (frame numbers go up to "
                    f"{MAX_FRAME_NUMBER:,.0f})"
                )
        if not math.isfinite(r.step):
            raise FrameBoundError(f"frame step {r.step:g} is not a number of frames")
        total += range_count(r)
        if total > MAX_FRAMES:
            raise FrameBoundError(
                f"{_format(r)} makes more than {MAX_FRAMES:,} frames, more than one job can "
                "hold; render fewer frames a job (split the range into several jobs)"
            )


def range_count(r: FrameRange) -> int:
    """The number of frames in a range (0 when reversed or the step is not above 0)."""
    if r.step <= 0 or r.end < r.start:
        return 0
    span = (r.end - r.start) / r.step + 1e-9
    return math.floor(span) + 1 if math.isfinite(span) else MAX_FRAMES + 1


def from_range(frames: FrameRange) -> FrameSpec:
    """The scene's own render range as a spec."""
    return FrameSpec((frames,))


def expand(r: FrameRange) -> tuple[float, ...]:
    """start, start+step, … up to end; empty when the range is reversed or the step is not > 0."""
    return tuple(_clean(r.start + i * r.step) for i in range(range_count(r)))


def _clean(value: float) -> float:
    rounded = round(float(value), 6)
    return float(int(rounded)) if rounded.is_integer() else rounded


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _format(r: FrameRange) -> str:
    if r.start == r.end:
        return _n(r.start)
    if r.step == 1:
        return f"{_n(r.start)}-{_n(r.end)}"
    return f"{_n(r.start)}-{_n(r.end)}x{_n(r.step)}"
