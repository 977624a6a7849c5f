"""What can go wrong with a formula, located the way the service reports it.

The service prefixes its formula messages with the place (`Line 1, Col 1: Undefined symbol:
$something_useless`, from a recorded evaluateautoscale answer); both kinds here carry it.
A syntax error makes enable/evaluate a 400; an evaluation error is a 200 whose
`autoScaleRun.error` says what failed.
"""

from __future__ import annotations


class FormulaProblem(Exception):
    """A problem at a place in the formula; `str()` is the service's `Line L, Col C: ...`."""

    def __init__(self, detail: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"Line {line}, Col {column}: {detail}")
        self.detail = detail
        self.line = line
        self.column = column


class FormulaSyntaxError(FormulaProblem):
    """The formula does not parse (the service's 400 `AutoScalingFormulaSyntaxError`)."""


class FormulaEvaluationError(FormulaProblem):
    """The formula parsed but failed while evaluated (`AutoScalingFormulaEvaluationError`)."""
