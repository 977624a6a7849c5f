"""A pool's autoscale settings as the service checks and stores them, with its 400s.

Limits, from Microsoft's "Create a formula to automatically scale compute nodes in a Batch
pool": a formula of at most 8 KB (the .NET SDK's error strings say 8192 characters) and 100
statements; an evaluation interval of 5 minutes to 168 hours, 15 minutes by default. Error
codes, from the Batch REST error-code table: `AutoScalingFormulaSyntaxError` and
`AutoScalingFormulaTooLong` (400); a bad interval is an `InvalidPropertyValue` 400.
"""

from __future__ import annotations

from typing import Any

from azure_batch_maya.local.autoscale.parser import parse
from azure_batch_maya.local.autoscale.problems import FormulaSyntaxError
from azure_batch_maya.local.autoscale.tree import Formula
from azure_batch_maya.local.errors import BatchServiceError, invalid_property, missing_property
from azure_batch_maya.local.formats import format_duration, normalise_duration, parse_duration

Doc = dict[str, Any]

MAX_FORMULA_CHARACTERS = 8192
MAX_STATEMENTS = 100
DEFAULT_INTERVAL = "PT15M"
MIN_INTERVAL_SECONDS = 5 * 60.0
MAX_INTERVAL_SECONDS = 168 * 3600.0
SYNTAX_ERROR = "AutoScalingFormulaSyntaxError"
TOO_LONG = "AutoScalingFormulaTooLong"
_FIELDS = ("autoScaleFormula", "autoScaleEvaluationInterval", "autoScaleRun")


def compile_formula(text: object) -> Formula:
    """The parsed formula, or the service's 400 naming the problem and its place."""
    if text is None or text == "":
        raise missing_property("autoScaleFormula")
    if not isinstance(text, str):
        raise invalid_property("autoScaleFormula", text, "The formula must be a string.")
    if len(text) > MAX_FORMULA_CHARACTERS:
        raise BatchServiceError(
            TOO_LONG,
            "The specified auto-scaling formula exceeds lengths limit.",
            values={
                "Message": f"The formula has {len(text)} characters;"
                f" at most {MAX_FORMULA_CHARACTERS} are allowed."
            },
        )
    try:
        formula = parse(text)
    except FormulaSyntaxError as error:
        raise BatchServiceError(
            SYNTAX_ERROR,
            "The specified auto-scaling formula has a syntax error.",
            values={"Message": str(error)},
        ) from None
    if len(formula.statements) > MAX_STATEMENTS:
        raise BatchServiceError(
            TOO_LONG,
            "The specified auto-scaling formula exceeds lengths limit.",
            values={
                "Message": f"The formula has {len(formula.statements)} statements;"
                f" at most {MAX_STATEMENTS} are allowed."
            },
        )
    return formula


def check_interval(value: object, floor: float = MIN_INTERVAL_SECONDS) -> str:
    """The interval in the service's normal form (`PT6M`), or its 400 when out of range.

    `floor` is the shortest interval taken: 5 minutes, as on Azure, unless the local pool
    was started with a shorter `--autoscale-interval-floor` (for tests).
    """
    name = "autoScaleEvaluationInterval"
    try:
        seconds = parse_duration(str(value))
    except ValueError:
        raise invalid_property(name, value, "The value is not an ISO 8601 duration.") from None
    if not floor <= seconds <= MAX_INTERVAL_SECONDS:
        least = "5 minutes" if floor == MIN_INTERVAL_SECONDS else format_duration(floor)
        raise invalid_property(
            name, value, f"The evaluation interval must be between {least} and 168 hours."
        )
    return format_duration(seconds)


def check_pool_body(body: Doc, floor: float = MIN_INTERVAL_SECONDS) -> None:
    """Refuse a pool create body whose autoscale settings the service would refuse."""
    if not body.get("enableAutoScale"):
        for name in ("autoScaleFormula", "autoScaleEvaluationInterval"):
            if body.get(name) is not None:
                reason = f"{name} must not be specified unless enableAutoScale is true."
                raise invalid_property(name, body[name], reason)
        return
    for name in ("targetDedicatedNodes", "targetLowPriorityNodes"):
        if body.get(name) is not None:
            raise invalid_property(
                name, body[name], f"{name} must not be specified when enableAutoScale is true."
            )
    compile_formula(body.get("autoScaleFormula"))
    if body.get("autoScaleEvaluationInterval") is not None:
        check_interval(body["autoScaleEvaluationInterval"], floor)


def pool_fields(rest: Doc) -> Doc:
    """Take the autoscale properties out of a pool body, as the pool stores them.

    `enableAutoScale` always; with it true, the formula and the interval (normalised,
    `PT15M` by default). For `entities.new_pool`, after `check_pool_body` has vetted them.
    """
    enabled = bool(rest.pop("enableAutoScale", False))
    formula = rest.pop("autoScaleFormula", None)
    interval = rest.pop("autoScaleEvaluationInterval", None)
    if not enabled:
        return {"enableAutoScale": False}
    return {
        "enableAutoScale": True,
        "autoScaleFormula": formula,
        "autoScaleEvaluationInterval": normalise_duration(str(interval or DEFAULT_INTERVAL)),
    }


def enabled(pool: Doc, formula: str, interval: str) -> Doc:
    """The pool with autoscale on: its settings placed right after `enableAutoScale`."""
    changed = {
        "enableAutoScale": True,
        "autoScaleFormula": formula,
        "autoScaleEvaluationInterval": interval,
    }
    if "autoScaleRun" in pool:
        changed["autoScaleRun"] = pool["autoScaleRun"]
    return _replace_settings(pool, changed)


def disabled(pool: Doc) -> Doc:
    """The pool with autoscale off: its formula, interval and last run removed."""
    return _replace_settings(pool, {"enableAutoScale": False})


def with_run(pool: Doc, run: Doc) -> Doc:
    """The pool with its latest `autoScaleRun` in place."""
    changed = {name: pool[name] for name in ("enableAutoScale", *_FIELDS[:2]) if name in pool}
    return _replace_settings(pool, {**changed, "autoScaleRun": run})


def _replace_settings(pool: Doc, settings: Doc) -> Doc:
    result: Doc = {}
    for key, value in pool.items():
        if key in _FIELDS:
            continue
        if key == "enableAutoScale":
            result.update(settings)
        else:
            result[key] = value
    if "enableAutoScale" not in pool:
        result.update(settings)
    return result
