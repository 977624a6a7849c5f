"""The built-in functions, as Microsoft's function table describes them."""

from __future__ import annotations

import pytest

from azure_batch_maya.local.autoscale.functions import parse_time
from tests.local.autoscale.helpers import error, inputs, value

# $PendingTasks.GetSample(3) is the doubleVec [1, 2, 3] in these tests.
V = "$PendingTasks.GetSample(3)"
GIVEN = inputs(samples={"$PendingTasks": [1, 2, 3], "$RunningTasks": [2, 4, 4, 4, 5, 5, 7, 9]})


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (f"avg({V})", "2"),
        (f"avg({V}, 7)", "3.25"),  # the docs: avg(v, 7) is avg(1, 2, 3, 7)
        ("avg(1, 2, 3, 7)", "3.25"),
        (f"len({V}, 7)", "4"),
        ("len()", "0"),
        ("lg(8)", "3"),
        (f"lg({V})", "[0,1,1.584962500721156]"),
        ("ln(1)", "0"),
        ("log(1000)", "3"),
        (f"log({V}, 10)", "[0,0.3010299956639812,0.47712125471966244,1]"),
        (f"max(0, {V})", "3"),
        (f"min({V}, -1)", "-1"),
        ("norm(3, 4)", "5"),
        (f"percentile({V}, 50)", "2"),
        ("percentile($RunningTasks.GetSample(8), 90)", "9"),
        ("percentile($RunningTasks.GetSample(8), 0)", "2"),
        ("rand()", "0.25"),
        (f"range({V}, 10)", "9"),
        ("std($RunningTasks.GetSample(8))", "2.138089935299395"),
        (f"sum({V}, 0.5)", "6.5"),
        ("sum()", "0"),
        (f"val({V}, 0)", "1"),
        (f"val({V}, 2)", "3"),
        ("ceil(2.1)", "3"),
        ("ceil(-2.1)", "-2"),
        ("floor(2.9)", "2"),
        ("floor(-2.1)", "-3"),
        ("round(2.5)", "3"),
        ("round(-2.5)", "-3"),
        ("round(2.49)", "2"),
        (f"round({V} / 2)", "[1,1,2]"),
        (f"ceil({V} / 2)", "[1,1,2]"),
        (f"floor({V} / 2)", "[0,1,1]"),
        (f"{V} * 2", "[2,4,6]"),
        (f"{V} - {V}", "[0,0,0]"),
        ('time("2016-10-13T19:18:47.5+02:00")', "2016-10-13T17:18:47.500Z"),
        ('time("")', "2016-10-13T19:18:47.805Z"),
    ],
)
def test_functions(expression, expected):
    assert value(expression, GIVEN) == expected


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("$r = max();", "Line 1, Col 6: max of an empty list"),
        ("$r = avg();", "Line 1, Col 6: avg of an empty list"),
        ("$r = std(1);", "Line 1, Col 6: std needs at least two values"),
        ("$r = lg(0);", "Line 1, Col 6: lg of 0.0: the value must be greater than 0"),
        (f"$r = val({V}, 3);", "Line 1, Col 6: val: index 3.0 is outside the vector of 3 values"),
        (f"$r = val({V}, 0.5);", "Line 1, Col 6: val: index 0.5 is outside"),
        (f"$r = percentile({V}, 101);", "Line 1, Col 6: percentile: p must be between 0 and 100"),
        ('$r = max("a");', "Line 1, Col 6: max takes doubles and doubleVecs, not a string"),
        ('$r = time("soon");', "Line 1, Col 6: time: 'soon' is neither a W3C-DTF nor an RFC 1123"),
        ("$r = time(1);", "Line 1, Col 6: time takes one string"),
        ("$r = rand(1);", "Line 1, Col 6: rand takes no arguments"),
        (
            f"$r = {V} + $PendingTasks.GetSample(2);",
            "Line 1, Col 33: Operator + needs doubleVecs of one length, not 3 and 2",
        ),
        (f"$r = 2 * {V};", "Line 1, Col 8: Operator * is not defined for double and doubleVec"),
    ],
)
def test_function_errors(formula, message):
    assert error(formula, GIVEN).startswith(message)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2016", 1451606400.0),
        ("2016-10", 1475280000.0),
        ("2016-10-13", 1476316800.0),
        ("2016-10-13T19:18Z", 1476386280.0),
        ("2016-10-13T19:18:47Z", 1476386327.0),
        ("2016-10-13T19:18:47.25-01:30", 1476386327.25 + 5400),
        ("Thu, 13 Oct 2016 19:18:47 GMT", 1476386327.0),
        ("Thu, 13 Oct 2016 20:18:47 +0100", 1476386327.0),
    ],
)
def test_time_reads_w3c_dtf_and_rfc_1123(text, seconds):
    assert parse_time(text) == seconds
