"""Sample data: GetSample and its siblings, with the docs' worked example of percentages."""

from __future__ import annotations

import pytest

from azure_batch_maya.local.autoscale.samples import SampleHistory
from tests.local.autoscale.helpers import NOW, error, history, inputs, value

# Ten minutes of $CPUPercent at one sample every 30 s, the newest taken now: 20 samples.
FULL = [float(i) for i in range(1, 21)]
# The docs' example: "If the last minute of history was not available ... only 18 samples".
LATE = {"$CPUPercent": FULL[:18]}


def _late_inputs():
    shifted = history(LATE["$CPUPercent"], now=NOW - 60)
    given = inputs()
    metrics = dict(given.metrics)
    metrics["$CPUPercent"] = type(metrics["$CPUPercent"])("$CPUPercent", shifted, None)
    return type(given)(given.now, metrics, 0, 0)


def test_the_docs_example_of_samples_and_sample_percentages():
    full = inputs(samples={"$CPUPercent": FULL})
    assert value("len($CPUPercent.GetSample(TimeInterval_Minute * 10))", full) == "20"
    late = _late_inputs()
    assert value("len($CPUPercent.GetSample(TimeInterval_Minute * 10))", late) == "18"
    assert value("$CPUPercent.GetSamplePercent(TimeInterval_Minute * 10)", late) == "90"
    assert value("len($CPUPercent.GetSample(TimeInterval_Minute * 10, 80))", late) == "18"
    assert error("$r = $CPUPercent.GetSample(TimeInterval_Minute * 10, 95);", late) == (
        "Line 1, Col 18: $CPUPercent.GetSample: insufficient samples: 90 percent of the samples"
        " in the time range are available, 95 percent required"
    )


def test_a_range_between_two_look_backs_or_two_times():
    given = inputs(samples={"$RunningTasks": FULL * 2})  # 40 samples: 20 minutes
    window = "$RunningTasks.GetSample(1 * TimeInterval_Minute, 6 * TimeInterval_Minute)"
    assert value(f"len({window})", given) == "10"
    assert value(window, given) == "[9,10,11,12,13,14,15,16,17,18]"
    by_time = "$RunningTasks.GetSample(time() - time() + time(), TimeInterval_Minute * 2)"
    assert value(f"len({by_time})", given) == "4"
    assert value(f"len({window.replace(')', ', 100)')})", given) == "10"
    assert value("$RunningTasks.GetSamplePercent(TimeInterval_Minute * 40)", given) == "50"


def test_get_sample_of_a_count_takes_the_newest_samples():
    given = inputs(samples={"$PendingTasks": [5, 6, 7]})
    assert value("$PendingTasks.GetSample(1)", given) == "[7]"
    assert value("$PendingTasks.GetSample(2)", given) == "[6,7]"
    assert value("$PendingTasks.GetSample(10)", given) == "[5,6,7]"


def test_count_history_begin_time_and_period():
    given = inputs(samples={"$PendingTasks": [5, 6, 7]})
    assert value("$PendingTasks.Count()", given) == "3"
    assert value("$PendingTasks.HistoryBeginTime()", given) == "2016-10-13T19:17:47.805Z"
    assert value("$PendingTasks.GetSamplePeriod()", given) == "00:00:30"
    assert value("time() - $PendingTasks.HistoryBeginTime()", given) == "00:01:00"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("$r = $CPUPercent.GetSample(1);", "$CPUPercent.GetSample: $CPUPercent has no samples yet"),
        ("$r = $PendingTasks.GetSample(0);", "the sample count must be at least 1"),
        ("$r = $PendingTasks.GetSample(1, 2);", "GetSample(count) takes no other argument"),
        ('$r = $PendingTasks.GetSample("x");', "expected a timestamp or timeinterval, not string"),
        ("$r = $PendingTasks.GetSample();", "GetSample takes 1 to 3 arguments, not 0"),
        ("$r = $PendingTasks.Count(1);", "Count takes no arguments, not 1"),
        ("$r = $CPUPercent.HistoryBeginTime();", "$CPUPercent has no samples yet"),
    ],
)
def test_sample_method_errors(formula, message):
    assert message in error(formula)


def test_percentages_and_windows_directly():
    samples = SampleHistory(10.0, ((100.0, 1.0), (110.0, 2.0), (120.0, 3.0)))
    assert samples.between(100.0, 120.0) == (2.0, 3.0)
    assert samples.between(99.0, 120.0) == (1.0, 2.0, 3.0)
    assert samples.percent(90.0, 120.0) == 100.0
    assert samples.percent(80.0, 120.0) == 75.0
    assert samples.percent(120.0, 120.0) == 100.0
    assert samples.latest(2) == (2.0, 3.0)
