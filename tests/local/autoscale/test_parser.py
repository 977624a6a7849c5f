"""Parsing formulas: statements, precedence, places, and the syntax errors the service 400s."""

from __future__ import annotations

import pytest

from azure_batch_maya.local.autoscale.lexer import tokenize
from azure_batch_maya.local.autoscale.parser import parse
from azure_batch_maya.local.autoscale.problems import FormulaSyntaxError
from azure_batch_maya.local.autoscale.tree import (
    Assignment,
    Binary,
    Call,
    Conditional,
    Evaluation,
    Member,
    Method,
    Name,
    Number,
    String,
    Unary,
)


def test_statements_are_separated_by_semicolons_and_the_last_may_end_without_one():
    formula = parse("a = 1;; $b = a;\n$TargetDedicatedNodes = $b")
    assert [s.name for s in formula.statements if isinstance(s, Assignment)] == [
        "a",
        "$b",
        "$TargetDedicatedNodes",
    ]


def test_comments_and_line_breaks_are_taken_and_places_count_lines():
    formula = parse("// header\n/* a\n block */ x = 1;\n  y =\n    $Nope;")
    first, second = formula.statements
    assert (first.line, first.column) == (3, 11)
    assert isinstance(second, Assignment)
    assert (second.value.line, second.value.column) == (5, 5)


def test_multiplication_binds_tighter_than_addition_and_both_associate_left():
    (statement,) = parse("r = 1 - 2 + 3 * 4 / 5").statements
    assert isinstance(statement, Assignment)
    tree = statement.value
    assert isinstance(tree, Binary) and tree.operator == "+"
    assert isinstance(tree.left, Binary) and tree.left.operator == "-"
    assert isinstance(tree.right, Binary) and tree.right.operator == "/"
    assert isinstance(tree.right.left, Binary) and tree.right.left.operator == "*"


def test_precedence_from_or_down_to_unary():
    (statement,) = parse("r = !a || b && c == d < e + -f").statements
    assert isinstance(statement, Assignment)
    tree = statement.value
    assert isinstance(tree, Binary) and tree.operator == "||"
    assert isinstance(tree.left, Unary) and tree.left.operator == "!"
    conjunction = tree.right
    assert isinstance(conjunction, Binary) and conjunction.operator == "&&"
    equality = conjunction.right
    assert isinstance(equality, Binary) and equality.operator == "=="
    relation = equality.right
    assert isinstance(relation, Binary) and relation.operator == "<"
    assert isinstance(relation.right, Binary) and isinstance(relation.right.right, Unary)


def test_the_conditional_is_lowest_and_nests_to_the_right():
    (statement,) = parse("r = a > 1 ? 2 : b ? 3 : 4").statements
    assert isinstance(statement, Assignment)
    tree = statement.value
    assert isinstance(tree, Conditional)
    assert isinstance(tree.condition, Binary)
    assert isinstance(tree.otherwise, Conditional)


def test_calls_methods_members_strings_and_numbers():
    formula = parse(
        'n = max(0, $PendingTasks.GetSample(TimeInterval_Minute * 5, 70)); t = time("2016-10-13");'
        " h = t.hour; e = 1.5e3; f = .5; stop()"
    )
    n, t, h, e, f, stop = formula.statements
    assert isinstance(n, Assignment) and isinstance(n.value, Call)
    method = n.value.args[1]
    assert isinstance(method, Method) and method.name == "GetSample"
    assert isinstance(method.target, Name) and method.target.name == "$PendingTasks"
    assert isinstance(t, Assignment) and isinstance(t.value, Call)
    assert t.value.args == (String("2016-10-13", 1, 76),)
    assert isinstance(h, Assignment) and isinstance(h.value, Member)
    assert isinstance(e, Assignment) and e.value == Number(1500.0, 1, 107)
    assert isinstance(f, Assignment) and isinstance(f.value, Number) and f.value.value == 0.5
    assert isinstance(stop, Evaluation) and isinstance(stop.value, Call)


def test_tokens_know_their_line_and_column():
    tokens = tokenize("a=1;\n  $b = a")
    assert [(t.text, t.line, t.column) for t in tokens] == [
        ("a", 1, 1),
        ("=", 1, 2),
        ("1", 1, 3),
        (";", 1, 4),
        ("$b", 2, 3),
        ("=", 2, 6),
        ("a", 2, 8),
        ("", 2, 9),
    ]


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("$x = (1", "Line 1, Col 8: Unexpected end of formula, expected ')'"),
        ("$x = 1 +", "Line 1, Col 9: Unexpected end of formula, expected a value"),
        ("$x = 1 2", "Line 1, Col 8: Unexpected '2', expected ';'"),
        ("$x = 1;\n$y = * 2", "Line 2, Col 6: Unexpected '*', expected a value"),
        ("$x = 1 % 2", "Line 1, Col 8: Unexpected character '%'"),
        ("$x = 'a'", "Line 1, Col 6: Unexpected character '''"),
        ('$x = "open', "Line 1, Col 6: Unterminated string"),
        ("$x = 1 /* never closed", "Line 1, Col 8: Unterminated comment"),
        ("$x = banana(1)", "Line 1, Col 6: Unknown function banana"),
        ("$x = count(1)", "Line 1, Col 6: Unknown function count"),
        ("$x = $PendingTasks.GetSamples(1)", "Line 1, Col 20: Unknown method GetSamples"),
        ("$x = $a.$b", "Line 1, Col 9: Unexpected '$b', expected a member name after '.'"),
        ("$x = 1 ? 2", "Line 1, Col 11: Unexpected end of formula, expected ':'"),
        ("= 1", "Line 1, Col 1: Unexpected '=', expected a value"),
        ("$x = max(1,)", "Line 1, Col 12: Unexpected ')', expected a value"),
    ],
)
def test_syntax_errors_say_where(formula, message):
    with pytest.raises(FormulaSyntaxError) as raised:
        parse(formula)
    assert str(raised.value) == message
