"""Evaluate a parsed formula against a pool's samples: the targets and the `results` string.

Operators follow Microsoft's table of operations and nothing more (`timestamp - timeinterval`
is not in it, so it is an error, as `time() + (-6 * TimeInterval_Hour)` in the docs
suggests). A read-only service variable used as a double is its current value. The settable
variables start at the pool's current targets and `requeue`; `$TargetDedicated` and
`$TargetLowPriority` are their aliases, the full names winning when both are set.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from azure_batch_maya.local.autoscale.functions import FUNCTIONS, Environment, Stop
from azure_batch_maya.local.autoscale.problems import FormulaEvaluationError
from azure_batch_maya.local.autoscale.samples import Metric, call_method
from azure_batch_maya.local.autoscale.tree import (
    Assignment,
    Binary,
    Call,
    Conditional,
    Expression,
    Formula,
    Member,
    Method,
    Name,
    Number,
    String,
    Unary,
)
from azure_batch_maya.local.autoscale.values import (
    TIME_INTERVALS,
    DoubleVec,
    TimeInterval,
    Timestamp,
    Value,
    ValueFault,
    render,
    type_name,
)

DEDICATED = "$TargetDedicatedNodes"
LOW_PRIORITY = "$TargetLowPriorityNodes"
DEALLOCATION = "$NodeDeallocationOption"
ALIASES = {DEDICATED: "$TargetDedicated", LOW_PRIORITY: "$TargetLowPriority"}
DEALLOCATION_OPTIONS = ("requeue", "terminate", "taskcompletion", "retaineddata")
_SETTABLE = (DEDICATED, LOW_PRIORITY, DEALLOCATION)


@dataclass(frozen=True)
class Inputs:
    """What a formula sees: the time, the read-only variables by name, the current targets."""

    now: float
    metrics: Mapping[str, Metric]
    target_dedicated: int
    target_low_priority: int
    random: Callable[[], float] = field(default=random.random, compare=False)


@dataclass(frozen=True)
class Outcome:
    """One evaluation: `results` as the service writes it, the targets, or the error."""

    results: str
    dedicated: int
    low_priority: int
    deallocation: str
    error: FormulaEvaluationError | None = None


Operand = Value | Metric
_Ordered = TypeVar("_Ordered", float, str)


def evaluate(formula: Formula, inputs: Inputs) -> Outcome:
    """Run the statements in order; an error stops them and leaves the targets as they were."""
    run = _Run(inputs)
    try:
        for statement in formula.statements:
            if isinstance(statement, Assignment):
                run.assign(statement)
            else:
                run.value(statement.value)
    except Stop:
        pass  # stop(): what was set so far is the outcome
    except FormulaEvaluationError as error:
        return run.failed(error)
    try:
        dedicated, low_priority, deallocation = run.targets()
    except FormulaEvaluationError as error:
        return run.failed(error)
    return Outcome(run.results(), dedicated, low_priority, deallocation)


class _Run:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.env = Environment(inputs.now, inputs.random)
        self.variables: dict[str, Value] = {
            DEDICATED: float(inputs.target_dedicated),
            LOW_PRIORITY: float(inputs.target_low_priority),
            DEALLOCATION: "requeue",
        }
        self.assigned: dict[str, Assignment] = {}

    # Statements
    def assign(self, statement: Assignment) -> None:
        name = statement.name
        if name in self.inputs.metrics:
            raise FormulaEvaluationError(
                f"{name} is a read-only service variable", statement.line, statement.column
            )
        if name in TIME_INTERVALS:
            raise FormulaEvaluationError(f"{name} is a constant", statement.line, statement.column)
        value = self.plain(statement.value)
        self.variables[name] = value
        self.assigned[name] = statement

    def targets(self) -> tuple[int, int, str]:
        dedicated = self._target(DEDICATED, self.inputs.target_dedicated)
        low_priority = self._target(LOW_PRIORITY, self.inputs.target_low_priority)
        option = self.variables[DEALLOCATION]
        if not isinstance(option, str) or option.lower() not in DEALLOCATION_OPTIONS:
            where = self.assigned[DEALLOCATION]
            raise FormulaEvaluationError(
                f"{DEALLOCATION} must be one of {', '.join(DEALLOCATION_OPTIONS)},"
                f" not {render(option)}",
                where.line,
                where.column,
            )
        return dedicated, low_priority, option.lower()

    def _target(self, name: str, current: int) -> int:
        chosen = name if name in self.assigned else ALIASES[name]
        if chosen not in self.assigned:
            return current
        value = self.variables[chosen]
        where = self.assigned[chosen]
        if not isinstance(value, float) or not math.isfinite(value) or value < 0:
            raise FormulaEvaluationError(
                f"{chosen} must be a non-negative number, not {render(value)}",
                where.line,
                where.column,
            )
        # A fraction is cut off: 3.8 nodes make 3, as pools under such formulas show.
        return int(value)

    def results(self) -> str:
        shown = dict(self.variables)
        for full, alias in ALIASES.items():
            if alias in self.assigned and full not in self.assigned:
                shown[full] = shown[alias]  # the target the alias set
        names = [*_SETTABLE, *sorted(name for name in self.assigned if name not in _SETTABLE)]
        return ";".join(f"{name}={render(shown[name])}" for name in names)

    def failed(self, error: FormulaEvaluationError) -> Outcome:
        return Outcome(
            self.results(),
            self.inputs.target_dedicated,
            self.inputs.target_low_priority,
            "requeue",
            error,
        )

    # Expressions
    def plain(self, node: Expression) -> Value:
        """A value, with a read-only service variable taken as its current double."""
        operand = self.value(node)
        if isinstance(operand, Metric):
            return self._guard(node, operand.as_double)
        return operand

    def value(self, node: Expression) -> Operand:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, String):
            return node.value
        if isinstance(node, Name):
            return self._name(node)
        if isinstance(node, Call):
            args = [self.plain(arg) for arg in node.args]
            function = FUNCTIONS[node.name]
            return self._guard(node, lambda: function(args, self.env))
        if isinstance(node, Method):
            target = self.value(node.target)
            if not isinstance(target, Metric):
                raise FormulaEvaluationError(
                    f"{node.name} is a method of the service's sample variables,"
                    f" not of a {type_name(target)}",
                    node.line,
                    node.column,
                )
            args = [self.plain(arg) for arg in node.args]
            return self._guard(node, lambda: call_method(target, node.name, args, self.inputs.now))
        if isinstance(node, Member):
            owner = self.plain(node.target)
            if not isinstance(owner, Timestamp):
                raise FormulaEvaluationError(
                    f"A {type_name(owner)} has no member {node.name}", node.line, node.column
                )
            return self._guard(node, lambda: owner.member(node.name))
        if isinstance(node, Unary):
            return self._guard(node, lambda: _unary(node.operator, self.plain(node.operand)))
        if isinstance(node, Conditional):
            return self.plain(node.then if self._truth(node.condition) else node.otherwise)
        return self._binary(node)

    def _name(self, node: Name) -> Operand:
        name = node.name
        if name in self.variables:
            return self.variables[name]
        if name in ALIASES.values():
            full = next(full for full, alias in ALIASES.items() if alias == name)
            return self.variables[full]
        if name in self.inputs.metrics:
            return self.inputs.metrics[name]
        if name in TIME_INTERVALS:
            return TimeInterval(TIME_INTERVALS[name])
        if name.lower() in DEALLOCATION_OPTIONS:
            return name.lower()
        raise FormulaEvaluationError(f"Undefined symbol: {name}", node.line, node.column)

    def _binary(self, node: Binary) -> Value:
        if node.operator in ("&&", "||"):
            left = self._truth(node.left)
            if node.operator == "&&" and not left:
                return 0.0
            if node.operator == "||" and left:
                return 1.0
            return 1.0 if self._truth(node.right) else 0.0
        left_value = self.plain(node.left)
        right_value = self.plain(node.right)
        return self._guard(node, lambda: binary(node.operator, left_value, right_value))

    def _truth(self, node: Expression) -> bool:
        value = self.plain(node)
        if not isinstance(value, float):
            raise FormulaEvaluationError(
                f"A condition must be a double, not a {type_name(value)}", node.line, node.column
            )
        return value != 0.0

    @staticmethod
    def _guard(node: Expression, compute: Callable[[], Value]) -> Value:
        try:
            return compute()
        except ValueFault as fault:
            raise FormulaEvaluationError(str(fault), node.line, node.column) from None


def _unary(operator: str, value: Value) -> Value:
    if isinstance(value, float):
        return -value if operator == "-" else float(value == 0.0)
    if isinstance(value, TimeInterval) and operator == "-":
        return TimeInterval(-value.seconds)
    raise ValueFault(f"Operator {operator} is not defined for a {type_name(value)}")


def binary(operator: str, left: Value, right: Value) -> Value:
    """`left operator right` for the arithmetic and comparison rows of the docs' table."""
    if operator in ("<", "<=", "==", ">=", ">", "!="):
        return _compare(operator, left, right)
    arithmetic = _arithmetic(operator, left, right)
    if arithmetic is None:
        raise ValueFault(
            f"Operator {operator} is not defined for {type_name(left)} and {type_name(right)}"
        )
    return arithmetic


def _arithmetic(operator: str, left: Value, right: Value) -> Value | None:
    if isinstance(left, float) and isinstance(right, float):
        return _double(operator, left, right)
    if isinstance(left, DoubleVec) and isinstance(right, float):
        return DoubleVec(tuple(_double(operator, v, right) for v in left.values))
    if isinstance(left, DoubleVec) and isinstance(right, DoubleVec):
        if len(left.values) != len(right.values):
            raise ValueFault(
                f"Operator {operator} needs doubleVecs of one length,"
                f" not {len(left.values)} and {len(right.values)}"
            )
        pairs = zip(left.values, right.values, strict=True)
        return DoubleVec(tuple(_double(operator, a, b) for a, b in pairs))
    if isinstance(left, float) and isinstance(right, TimeInterval) and operator == "*":
        return TimeInterval(left * right.seconds)
    if isinstance(left, TimeInterval) and isinstance(right, float) and operator in "*/":
        return TimeInterval(_double(operator, left.seconds, right))
    if isinstance(left, TimeInterval) and isinstance(right, TimeInterval) and operator in "+-":
        return TimeInterval(_double(operator, left.seconds, right.seconds))
    if operator == "+" and isinstance(left, TimeInterval) and isinstance(right, Timestamp):
        return Timestamp(right.seconds + left.seconds)
    if operator == "+" and isinstance(left, Timestamp) and isinstance(right, TimeInterval):
        return Timestamp(left.seconds + right.seconds)
    if operator == "-" and isinstance(left, Timestamp) and isinstance(right, Timestamp):
        return TimeInterval(left.seconds - right.seconds)
    return None


def _double(operator: str, left: float, right: float) -> float:
    if operator == "+":
        return left + right
    if operator == "-":
        return left - right
    if operator == "*":
        return left * right
    if right == 0.0:
        raise ValueFault("Division by zero")
    return left / right


def _compare(operator: str, left: Value, right: Value) -> float:
    if isinstance(left, str) and isinstance(right, str):
        return _order(operator, left, right)
    a, b = _magnitude(left), _magnitude(right)
    if type(left) is not type(right) or a is None or b is None:
        raise ValueFault(
            f"Operator {operator} cannot compare {type_name(left)} and {type_name(right)}"
        )
    return _order(operator, a, b)


def _magnitude(value: Value) -> float | None:
    if isinstance(value, float):
        return value
    if isinstance(value, (Timestamp, TimeInterval)):
        return value.seconds
    return None


def _order(operator: str, left: _Ordered, right: _Ordered) -> float:
    outcomes = {
        "<": left < right,
        "<=": left <= right,
        "==": left == right,
        ">=": left >= right,
        ">": left > right,
        "!=": left != right,
    }
    return 1.0 if outcomes[operator] else 0.0
