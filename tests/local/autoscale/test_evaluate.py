"""Evaluating formulas: the docs' table of operations, targets, results and their errors."""

from __future__ import annotations

import math
import random

import pytest

from azure_batch_maya.local.autoscale.values import render_double
from tests.local.autoscale.helpers import error, inputs, results, run, value


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", "7"),
        ("(1 + 2) * 3", "9"),
        ("10 - 4 - 3", "3"),
        ("7 / 2", "3.5"),
        ("-2 * 3", "-6"),
        ("- -2", "2"),
        ("!0", "1"),
        ("!5", "0"),
        ("1 < 2", "1"),
        ("2 <= 1", "0"),
        ("2 >= 2", "1"),
        ("3 > 2", "1"),
        ("1 == 1", "1"),
        ("1 != 1", "0"),
        ('"a" < "b"', "1"),
        ('"taskcompletion" == "taskcompletion"', "1"),
        ("1 && 0", "0"),
        ("2 && 3", "1"),
        ("0 || 2", "1"),
        ("0 || 0", "0"),
        ("1 ? 2 : 3", "2"),
        ("0 ? 2 : 0 ? 4 : 5", "5"),
        ("1 + 2 > 2 && 4 / 2 == 2", "1"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("TimeInterval_Minute * 2", "00:02:00"),
        ("2 * TimeInterval_Hour / 4", "00:30:00"),
        ("TimeInterval_Day + TimeInterval_Hour", "1.01:00:00"),
        ("TimeInterval_Week - TimeInterval_Day", "6.00:00:00"),
        ("TimeInterval_Year", "365.00:00:00"),
        ("TimeInterval_Millisecond * 1500", "00:00:01.5000000"),
        ("TimeInterval_100ns", "00:00:00.0000001"),
        ("TimeInterval_Microsecond * 10", "00:00:00.0000100"),
        ("TimeInterval_Zero", "00:00:00"),
        ("-TimeInterval_Second", "-00:00:01"),
        ("TimeInterval_Minute > TimeInterval_Second * 59", "1"),
        ('time("2016-10-13T19:18:47Z") + TimeInterval_Hour', "2016-10-13T20:18:47.000Z"),
        ('TimeInterval_Hour + time("2016-10-13T19:18:47Z")', "2016-10-13T20:18:47.000Z"),
        ('time("Thu, 13 Oct 2016 19:18:47 GMT") - time("2016-10-13T18:18:47Z")', "01:00:00"),
        ('time("2016-10-13T19:18:47Z") < time("2016-10-13T19:18:48Z")', "1"),
        ('time("2016-10-13T19:18:47Z").weekday', "4"),
        ('time("2016-10-16T00:00:00Z").weekday', "0"),
        ('time("2016-10-13T19:18:47Z").hour', "19"),
        ('time("2016-10-13T19:18:47Z").month', "10"),
        ("time()", "2016-10-13T19:18:47.805Z"),
        ("time().year", "2016"),
        ("requeue", "requeue"),
        ("TaskCompletion", "taskcompletion"),
    ],
)
def test_operations_from_the_docs_table(expression, expected):
    assert value(expression) == expected


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("$r = 1 / 0;", "Line 1, Col 8: Division by zero"),
        (
            "$r = time() - TimeInterval_Hour;",
            "Line 1, Col 13: Operator - is not defined for timestamp and timeinterval",
        ),
        ('$r = "a" + 1;', "Line 1, Col 10: Operator + is not defined for string and double"),
        (
            "$r = TimeInterval_Minute + 1;",
            "Line 1, Col 26: Operator + is not defined for timeinterval and double",
        ),
        ('$r = "a" < 1;', "Line 1, Col 10: Operator < cannot compare string and double"),
        ('$r = -"a";', "Line 1, Col 6: Operator - is not defined for a string"),
        ('$r = "a" ? 1 : 2;', "Line 1, Col 6: A condition must be a double, not a string"),
        ("$r = (1).hour;", "Line 1, Col 10: A double has no member hour"),
        ("$r = time().fortnight;", "Line 1, Col 13: A timestamp has no member fortnight"),
        (
            "$r = TimeInterval_Minute.GetSample(1);",
            "Line 1, Col 26: GetSample is a method of the service's sample variables,"
            " not of a timeinterval",
        ),
        ("x = 1;\ny = x +\n  $nope;", "Line 3, Col 3: Undefined symbol: $nope"),
        ("$PendingTasks = 1;", "Line 1, Col 1: $PendingTasks is a read-only service variable"),
        ("TimeInterval_Minute = 1;", "Line 1, Col 1: TimeInterval_Minute is a constant"),
        (
            "$TargetDedicatedNodes = -1;",
            "Line 1, Col 1: $TargetDedicatedNodes must be a non-negative number, not -1",
        ),
        (
            '$TargetLowPriorityNodes = "two";',
            "Line 1, Col 1: $TargetLowPriorityNodes must be a non-negative number, not two",
        ),
        (
            '$NodeDeallocationOption = "later";',
            "Line 1, Col 1: $NodeDeallocationOption must be one of requeue, terminate,"
            " taskcompletion, retaineddata, not later",
        ),
        ("$NodeDeallocationOption = later;", "Line 1, Col 27: Undefined symbol: later"),
        (
            "$r = $CPUPercent + 1;",
            "Line 1, Col 6: $CPUPercent has no current value; read it with GetSample",
        ),
    ],
)
def test_errors_name_the_place_and_the_problem(formula, message):
    assert error(formula) == message


def test_an_undefined_symbol_is_reported_as_the_service_recorded_it():
    # recordings/js/autoscale_operations/…invalid_autoscale_formula.json: evaluating
    # "$something_useless" on a pool whose target was 2.
    outcome = run("$something_useless", inputs(dedicated=2))
    assert str(outcome.error) == "Line 1, Col 1: Undefined symbol: $something_useless"
    assert outcome.results == (
        "$TargetDedicatedNodes=2;$TargetLowPriorityNodes=0;$NodeDeallocationOption=requeue"
    )
    assert (outcome.dedicated, outcome.low_priority) == (2, 0)


def test_targets_start_at_the_pool_targets_and_unassigned_ones_stay():
    given = inputs(dedicated=3, low_priority=5)
    outcome = run("$TargetDedicatedNodes = $TargetDedicatedNodes + 1;", given)
    assert (outcome.dedicated, outcome.low_priority, outcome.deallocation) == (4, 5, "requeue")


def test_results_list_the_service_variables_then_the_formula_variables_by_name():
    outcome = run(
        "zeta = 1; $alpha = 2; $TargetLowPriorityNodes = 3; $NodeDeallocationOption = terminate;"
    )
    assert outcome.results == (
        "$TargetDedicatedNodes=0;$TargetLowPriorityNodes=3;$NodeDeallocationOption=terminate;"
        "$alpha=2;zeta=1"
    )
    assert outcome.deallocation == "terminate"


def test_a_fractional_target_is_cut_to_whole_nodes():
    outcome = run("$TargetDedicatedNodes = 3.8;")
    assert outcome.dedicated == 3
    assert results(outcome)["$TargetDedicatedNodes"] == "3.8"


def test_the_old_target_names_are_aliases_and_the_full_names_win():
    old = run("$TargetDedicated = 3; $TargetLowPriority = 2;")
    assert (old.dedicated, old.low_priority) == (3, 2)
    assert old.results == (
        "$TargetDedicatedNodes=3;$TargetLowPriorityNodes=2;$NodeDeallocationOption=requeue;"
        "$TargetDedicated=3;$TargetLowPriority=2"
    )
    both = run("$TargetDedicatedNodes = 1; $TargetDedicated = 7;")
    assert both.dedicated == 1
    assert results(both)["$TargetDedicated"] == "7"
    assert value("$TargetDedicated", inputs(dedicated=6)) == "6"
    assert value("$CurrentDedicated", inputs(current={"$CurrentDedicatedNodes": 2})) == "2"


def test_stop_ends_the_evaluation_with_what_was_set():
    outcome = run("$TargetDedicatedNodes = 2; stop(); $TargetDedicatedNodes = 5; $nope;")
    assert outcome.error is None
    assert outcome.dedicated == 2


def test_an_error_leaves_the_targets_and_reports_the_values_so_far():
    outcome = run("$TargetDedicatedNodes = 4; x = 1 / 0;", inputs(dedicated=1))
    assert outcome.dedicated == 1
    assert results(outcome)["$TargetDedicatedNodes"] == "4"


def test_service_variables_are_their_current_values_in_arithmetic():
    given = inputs(
        samples={"$PendingTasks": [3, 4, 5]},
        current={"$PendingTasks": 6, "$TaskSlotsPerNode": 4},
    )
    assert value("$PendingTasks / $TaskSlotsPerNode", given) == "1.5"
    assert value("$PendingTasks.GetSample(1)", given) == "[5]"


# Property-style checks: random expressions against Python as the reference.
_OPERATORS = ("+", "-", "*", "/")


def _arithmetic(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.3:
        number = rng.choice([0, 1, 2, 3, 0.5, 7, 10, 2.25])
        return str(number)
    if rng.random() < 0.15:
        return f"- {_arithmetic(rng, depth - 1)}"
    return f"{_arithmetic(rng, depth - 1)} {rng.choice(_OPERATORS)} {_arithmetic(rng, depth - 1)}"


def test_unparenthesised_arithmetic_follows_the_usual_precedence():
    rng = random.Random(11)
    for _ in range(400):
        text = _arithmetic(rng, 4)
        outcome = run(f"$r = {text};")
        try:
            # Python is the reference: the text holds only numbers and + - * /.
            expected = float(eval(text))
        except ZeroDivisionError:
            assert outcome.error is not None and "Division by zero" in str(outcome.error), text
            continue
        assert outcome.error is None, text
        assert results(outcome)["$r"] == render_double(expected), text


def _logic(rng: random.Random, depth: int) -> tuple[str, float]:
    """A fully parenthesised expression and its value under the language's rules."""
    if depth == 0 or rng.random() < 0.25:
        number = float(rng.choice([0, 1, 2, -1, 0.5]))
        return (str(number) if number >= 0 else f"(-{-number})"), number
    kind = rng.choice(["compare", "logic", "not", "conditional", "arithmetic"])
    left, a = _logic(rng, depth - 1)
    right, b = _logic(rng, depth - 1)
    if kind == "compare":
        operator = rng.choice(["<", "<=", "==", ">=", ">", "!="])
        outcome = {
            "<": a < b,
            "<=": a <= b,
            "==": a == b,
            ">=": a >= b,
            ">": a > b,
            "!=": a != b,
        }[operator]
        return f"({left} {operator} {right})", float(outcome)
    if kind == "logic":
        operator = rng.choice(["&&", "||"])
        both = (a != 0 and b != 0) if operator == "&&" else (a != 0 or b != 0)
        return f"({left} {operator} {right})", float(both)
    if kind == "not":
        return f"(!{left})", float(a == 0)
    if kind == "conditional":
        third, c = _logic(rng, depth - 1)
        return f"({left} ? {right} : {third})", b if a != 0 else c
    operator = rng.choice(["+", "-", "*"])
    return f"({left} {operator} {right})", {"+": a + b, "-": a - b, "*": a * b}[operator]


def test_random_logic_and_conditionals_match_a_reference():
    rng = random.Random(5)
    for _ in range(400):
        text, expected = _logic(rng, 4)
        assert value(text) == render_double(expected), text


def test_numbers_render_and_parse_back_unchanged():
    rng = random.Random(3)
    for _ in range(300):
        number = rng.choice([rng.uniform(0, 1e6), rng.uniform(0, 1e-3), float(rng.randint(0, 999))])
        rendered = value(render_double(number))
        assert math.isclose(float(rendered), number, rel_tol=0, abs_tol=0), rendered
