"""Scout frames: a few frames rendered first, so the artist sees the look and the real cost
before the rest of the job runs.

The job uses Batch task dependencies. Every scout is a one-frame task; the rest's tasks all
depend on one gate task (`GATE_TASK_ID`), and the gate depends on the scouts. With `auto`, the
gate is added with the job and the rest starts by itself once every scout succeeds; otherwise
the gate is added only by `jobs release` (the artist's go). A scout that fails blocks the gate
(`dependencyAction: block`), so the rest never starts.

Why a gate and not a dependency list edited later: Batch cannot change a task's `dependsOn`
once it is added (Update Task takes only constraints), and a `dependsOn.taskIds` list is
limited to 64000 characters in all (`TaskDependencyListTooLong`). One gate id per rest task
stays far under that limit whatever the job's size, and the scouts' ids (few, by
construction) are named once, on the gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GATE_TASK_ID = "render-the-rest"
MAX_SCOUTS = 100  # more is no longer a preview; also keeps the gate's id list tiny
MAX_DEPENDENCY_ID_CHARS = 64000  # Batch's limit on the combined length of dependsOn.taskIds
# Job metadata: which tasks are scouts, and the gate's command line for `jobs release`.
META_SCOUTS = "azbm_scouts"
META_GATE = "azbm_scout_gate"
META_AUTO = "azbm_scout_auto"
META_REST_FRAMES = "azbm_rest_frames"  # frames (× layer/camera tasks) after the scouts
_LIST = re.compile(r"^\s*-?\d+(\.\d+)?(\s*,\s*(-?\d+(\.\d+)?)?)*\s*$")


class ScoutError(ValueError):
    """Scout frames that cannot be chosen; the message says what to write instead."""


@dataclass(frozen=True)
class ScoutPlan:
    """`count` frames spread over the range (first, middle, last for 3), or the named `frames`;
    `auto`: the rest starts by itself when the scouts succeed."""

    count: int = 0
    frames: tuple[float, ...] = ()
    auto: bool = False

    def __post_init__(self) -> None:
        if self.count < 0 or (self.count == 0 and not self.frames):
            raise ScoutError("scout frames: give a count of 1 or more, or frames like 1,50,100")
        if max(self.count, len(self.frames)) > MAX_SCOUTS:
            raise ScoutError(f"scout frames: at most {MAX_SCOUTS}; the rest of the job is the rest")

    @classmethod
    def parse(cls, text: str, *, auto: bool = False) -> ScoutPlan:
        """`3` (a count) or `1,50,100` (frames; one frame is written with a comma: `50,`)."""
        text = text.strip()
        if text.isdigit():
            return cls(count=int(text), auto=auto)
        if not _LIST.match(text):
            raise ScoutError(
                f"scout frames {text!r}: give a count (3) or frames separated by commas (1,50,100)"
            )
        frames = tuple(float(part) for part in text.split(",") if part.strip())
        return cls(frames=frames, auto=auto)

    def pick(self, frames: tuple[float, ...]) -> tuple[float, ...]:
        """The scout frames among the job's `frames`, in render order."""
        if self.frames:
            absent = [f for f in self.frames if f not in frames]
            if absent:
                raise ScoutError(
                    f"scout frame {_num(absent[0])} is not among the job's frames; name frames "
                    "inside the range"
                )
            return tuple(sorted(set(self.frames)))
        return spread(frames, self.count)


def spread(frames: tuple[float, ...], count: int) -> tuple[float, ...]:
    """`count` frames evenly over `frames`: first, (middle,) last; all when there are fewer."""
    if count >= len(frames):
        return frames
    if count == 1:
        return (frames[0],)
    picks = sorted({round(i * (len(frames) - 1) / (count - 1)) for i in range(count)})
    return tuple(frames[i] for i in picks)


def check_id_list(ids: tuple[str, ...]) -> None:
    """Refuse a gate whose dependency list Batch would refuse (`TaskDependencyListTooLong`)."""
    if sum(len(i) for i in ids) > MAX_DEPENDENCY_ID_CHARS:
        raise ScoutError(
            f"the scouts' task ids exceed Batch's {MAX_DEPENDENCY_ID_CHARS} characters of "
            "dependencies; scout fewer frames, layers or cameras"
        )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
