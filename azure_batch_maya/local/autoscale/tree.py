"""The parsed formula: statements of assignments and expressions, each node with its place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Number:
    value: float
    line: int
    column: int


@dataclass(frozen=True)
class String:
    value: str
    line: int
    column: int


@dataclass(frozen=True)
class Name:
    """A variable (`$TargetDedicatedNodes`, `maxNodes`), constant or deallocation option."""

    name: str
    line: int
    column: int


@dataclass(frozen=True)
class Call:
    """A built-in function: `max(0, $x)`."""

    name: str
    args: tuple[Expression, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Method:
    """A sample method of a service variable: `$PendingTasks.GetSample(1)`."""

    target: Expression
    name: str
    args: tuple[Expression, ...]
    line: int
    column: int


@dataclass(frozen=True)
class Member:
    """A member of a timestamp: `$curTime.hour`."""

    target: Expression
    name: str
    line: int
    column: int


@dataclass(frozen=True)
class Unary:
    operator: str
    operand: Expression
    line: int
    column: int


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Expression
    right: Expression
    line: int
    column: int


@dataclass(frozen=True)
class Conditional:
    """`condition ? then : otherwise`; a nonzero double is true."""

    condition: Expression
    then: Expression
    otherwise: Expression
    line: int
    column: int


Expression = Number | String | Name | Call | Method | Member | Unary | Binary | Conditional


@dataclass(frozen=True)
class Assignment:
    name: str
    value: Expression
    line: int
    column: int


@dataclass(frozen=True)
class Evaluation:
    """A statement that is an expression alone (such as `stop()`)."""

    value: Expression
    line: int
    column: int


Statement = Assignment | Evaluation


@dataclass(frozen=True)
class Formula:
    statements: tuple[Statement, ...]
