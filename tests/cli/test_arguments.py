"""The argument types: a finite number within its bounds, said in its unit when refused."""

from __future__ import annotations

import argparse
from collections.abc import Callable

import pytest

from azure_batch_maya.cli.arguments import finite_number, gigabytes, hours, interval_minutes


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (hours, "nan", "'nan' hours: give a number above 0 and at most 4320 (180 days)"),
        (hours, "0", "'0' hours: give a number above 0"),
        (hours, "4320.5", "'4320.5' hours"),
        (hours, "soon", "'soon' is not a number of hours"),
        (gigabytes, "-1", "'-1' GB: give a number of 0 or more"),
        (gigabytes, "inf", "'inf' GB: give a number of 0 or more"),
        (interval_minutes, "0", "'0' minutes: give a number above 0 and at most 10080"),
    ],
)
def test_refused_in_the_unit_with_the_bounds(
    parse: Callable[[str], float], text: str, message: str
) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        parse(text)
    assert message in str(refused.value)


def test_the_bounds_themselves() -> None:
    assert hours("4320") == 4320.0  # at most is included
    assert gigabytes("0") == 0.0  # at least is included
    assert interval_minutes("0.05") == 0.05  # the local pool takes less than Azure's 5
    share = finite_number("share", at_least=0, at_most=1)
    assert share("1") == 1.0
    with pytest.raises(
        argparse.ArgumentTypeError, match="give a number of 0 or more and at most 1"
    ):
        share("1.01")
