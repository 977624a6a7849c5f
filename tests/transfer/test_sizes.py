"""Sizes for people: the unit that shows them, in the CLI and the panel alike."""

from __future__ import annotations

import pytest

from azure_batch_maya.transfer.sizes import size_text


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 B"),
        (999, "999 B"),
        (1_000, "1.0 kB"),
        (48_213, "48.2 kB"),
        (999_949, "999.9 kB"),
        (40_000_000, "40.0 MB"),
        (1_049_000_000, "1.05 GB"),
        (3_200_000_000_000, "3.20 TB"),
    ],
)
def test_sizes_are_shown_in_the_unit_that_shows_them(size: int, text: str) -> None:
    assert size_text(size) == text
