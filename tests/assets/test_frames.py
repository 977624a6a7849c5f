from __future__ import annotations

import pytest

from azure_batch_maya.assets.frames import (
    MAX_FRAMES,
    FrameBoundError,
    FrameSpecError,
    expand,
    from_range,
    parse_frames,
)
from azure_batch_maya.scene.model import FrameRange


@pytest.mark.parametrize(
    ("text", "frames"),
    [
        ("5", (5,)),
        ("1-10x2", (1, 3, 5, 7, 9)),
        ("1-3,7,10-20x5", (1, 2, 3, 7, 10, 15, 20)),
        ("1-5, 3-6", (1, 2, 3, 4, 5, 6)),
        ("-2--1", (-2, -1)),
        ("1-2x0.5", (1, 1.5, 2)),
        ("1-4:3", (1, 4)),
    ],
)
def test_parse(text, frames):
    assert parse_frames(text).frames() == frames


def test_round_trip_and_int_frames():
    spec = parse_frames("1-3,7,10-20x5")
    assert str(spec) == "1-3,7,10-20x5"
    assert parse_frames("1-2x0.5").int_frames() == frozenset({1, 2})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a-b", "use forms like"),
        ("10-1", "run backwards; write 1-10"),
        ("1-10x0", "step must be above 0"),
        ("", "use forms like"),
    ],
)
def test_errors_say_what_to_write(text, message):
    with pytest.raises(FrameSpecError, match=message):
        parse_frames(text)


def test_scene_range():
    assert from_range(FrameRange(1, 5, 2)).frames() == (1, 3, 5)
    assert expand(FrameRange(5, 1, 1)) == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1-1000000000", "more than 100,000 frames"),
        ("9" * 400, "out of range"),
        ("1-" + "9" * 400, "out of range"),
        ("1-100000x0.0000001", "more than 100,000 frames"),
        (",".join(["1-60000"] * 2), "more than 100,000 frames"),
    ],
)
def test_lists_beyond_what_a_job_holds_are_refused_before_expanding(text, message):
    with pytest.raises(FrameBoundError, match=message):
        parse_frames(text)


def test_a_scene_range_is_counted_not_expanded():
    huge = from_range(FrameRange(1, 1e9, 1))
    assert huge.count() == 1_000_000_000
    with pytest.raises(FrameBoundError):
        huge.frames()
    assert from_range(FrameRange(1, MAX_FRAMES, 1)).count() == MAX_FRAMES
