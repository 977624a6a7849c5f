from __future__ import annotations

import pytest

from azure_batch_maya.local.formats import (
    UNLIMITED_DURATION,
    etag,
    format_duration,
    iso,
    normalise_duration,
    parse_duration,
    parse_iso,
    rfc1123,
)

# 2026-01-22T21:43:18.5553032Z in ticks since the Unix epoch.
RECORDED = 17691181985553032


def test_iso_keeps_seven_digits_and_trims_trailing_zeros():
    assert iso(RECORDED) == "2026-01-22T21:43:18.5553032Z"
    assert iso(RECORDED - 32) == "2026-01-22T21:43:18.5553Z"
    assert iso(17691181980000000) == "2026-01-22T21:43:18Z"
    assert parse_iso("2026-01-22T21:43:18.5553032Z") == RECORDED


def test_etag_is_bare_hex_of_dotnet_ticks_like_the_service():
    # The recorded job created at 21:43:18.55 carries ETag 0x8DE59FF41A08ECC.
    tag = etag(RECORDED)
    assert tag.startswith("0x8DE59FF4") and tag == tag.upper().replace("0X", "0x")
    assert etag(RECORDED + 1) > tag


def test_rfc1123():
    assert rfc1123(RECORDED) == "Thu, 22 Jan 2026 21:43:18 GMT"


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("PT06M00S", "PT6M"),
        ("PT15M", "PT15M"),
        ("P7D", "P7D"),
        ("PT1H30M", "PT1H30M"),
        ("PT0.5S", "PT0.5S"),
        ("P1DT2H", "P1DT2H"),
        ("PT0S", "PT0S"),
        (UNLIMITED_DURATION, UNLIMITED_DURATION),
    ],
)
def test_durations_are_normalised_as_the_service_echoes_them(given, normal):
    assert normalise_duration(given) == normal


def test_duration_seconds():
    assert parse_duration("PT1H30M") == 5400
    assert format_duration(90) == "PT1M30S"
    with pytest.raises(ValueError):
        parse_duration("one hour")
