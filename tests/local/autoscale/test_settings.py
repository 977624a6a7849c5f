"""The service's limits and 400s for autoscale settings, and where a pool keeps them."""

from __future__ import annotations

import pytest

from azure_batch_maya.local.autoscale import settings
from azure_batch_maya.local.errors import BatchServiceError


def _refusal(call, *args):
    with pytest.raises(BatchServiceError) as raised:
        call(*args)
    return raised.value


def test_a_formula_of_8192_characters_is_taken_and_one_more_is_too_long():
    statement = "$TargetDedicatedNodes = 1;"
    padding = " " * (settings.MAX_FORMULA_CHARACTERS - len(statement))
    settings.compile_formula(statement + padding)
    refused = _refusal(settings.compile_formula, statement + padding + " ")
    assert (refused.status, refused.code) == (400, "AutoScalingFormulaTooLong")
    assert refused.values == {
        "Message": "The formula has 8193 characters; at most 8192 are allowed."
    }


def test_a_formula_of_100_statements_is_taken_and_101_are_too_many():
    settings.compile_formula("x = 1;" * 100)
    refused = _refusal(settings.compile_formula, "x = 1;" * 101)
    assert refused.code == "AutoScalingFormulaTooLong"
    assert "101 statements" in refused.values["Message"]


def test_a_syntax_error_is_the_services_400_with_the_place():
    refused = _refusal(settings.compile_formula, "$TargetDedicatedNodes = (1")
    assert (refused.status, refused.code) == (400, "AutoScalingFormulaSyntaxError")
    assert refused.message == "The specified auto-scaling formula has a syntax error."
    assert refused.values == {"Message": "Line 1, Col 27: Unexpected end of formula, expected ')'"}


def test_a_missing_or_empty_formula_is_a_missing_property():
    for formula in (None, ""):
        refused = _refusal(settings.compile_formula, formula)
        assert refused.code == "MissingRequiredProperty"
        assert refused.values == {"PropertyName": "autoScaleFormula"}


@pytest.mark.parametrize(
    ("interval", "normal"),
    [("PT5M", "PT5M"), ("PT300S", "PT5M"), ("PT06M00S", "PT6M"), ("P7D", "P7D"), ("PT168H", "P7D")],
)
def test_intervals_from_5_minutes_to_168_hours(interval, normal):
    assert settings.check_interval(interval) == normal


@pytest.mark.parametrize("interval", ["PT4M59S", "P7DT1S", "PT0S", "soon", "5"])
def test_intervals_outside_the_range_are_invalid_property_values(interval):
    refused = _refusal(settings.check_interval, interval)
    assert (refused.status, refused.code) == (400, "InvalidPropertyValue")
    assert refused.values["PropertyName"] == "autoScaleEvaluationInterval"


def test_a_lower_floor_takes_shorter_intervals_and_says_so():
    assert settings.check_interval("PT1S", 1.0) == "PT1S"
    refused = _refusal(settings.check_interval, "PT0.5S", 1.0)
    assert refused.values["Reason"] == "The evaluation interval must be between PT1S and 168 hours."


def test_pool_bodies_refused_as_the_service_refuses_them():
    with_targets = {"enableAutoScale": True, "autoScaleFormula": "x = 1", "targetDedicatedNodes": 1}
    assert _refusal(settings.check_pool_body, with_targets).values["PropertyName"] == (
        "targetDedicatedNodes"
    )
    formula_without_autoscale = {"autoScaleFormula": "x = 1"}
    assert _refusal(settings.check_pool_body, formula_without_autoscale).code == (
        "InvalidPropertyValue"
    )
    no_formula = {"enableAutoScale": True}
    assert _refusal(settings.check_pool_body, no_formula).code == "MissingRequiredProperty"
    bad_interval = {
        "enableAutoScale": True,
        "autoScaleFormula": "x=1",
        "autoScaleEvaluationInterval": "PT1M",
    }
    assert _refusal(settings.check_pool_body, bad_interval).code == "InvalidPropertyValue"
    settings.check_pool_body({"enableAutoScale": False, "targetDedicatedNodes": 2})
    settings.check_pool_body({"enableAutoScale": True, "autoScaleFormula": "x = 1"})


def test_a_pool_keeps_its_settings_after_enable_auto_scale_in_the_services_order():
    body = {"enableAutoScale": True, "autoScaleFormula": "x = 1", "vmSize": "a"}
    assert settings.pool_fields(body) == {
        "enableAutoScale": True,
        "autoScaleFormula": "x = 1",
        "autoScaleEvaluationInterval": "PT15M",
    }
    assert body == {"vmSize": "a"}
    pool = {"id": "p", "enableAutoScale": False, "enableInterNodeCommunication": False}
    on = settings.enabled(pool, "x = 2", "PT6M")
    assert list(on) == [
        "id",
        "enableAutoScale",
        "autoScaleFormula",
        "autoScaleEvaluationInterval",
        "enableInterNodeCommunication",
    ]
    run = {"timestamp": "t", "results": "r"}
    ran = settings.with_run(on, run)
    assert list(ran)[4] == "autoScaleRun" and ran["autoScaleRun"] == run
    assert settings.enabled(ran, "x = 3", "PT7M")["autoScaleRun"] == run
    assert settings.disabled(ran) == {
        "id": "p",
        "enableAutoScale": False,
        "enableInterNodeCommunication": False,
    }
