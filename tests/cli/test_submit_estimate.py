"""`submit` on Azure prices the job before uploading, with prices it refreshes when stale.

Azure itself cannot be reached from the tests: the retail prices API's endpoint (`urlopen`)
answers from the recorded pages of `tests/render/test_prices.py`, or fails as offline.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from urllib.error import URLError

from azure_batch_maya.cli.output import Messages
from azure_batch_maya.cli.submit import _check_price
from azure_batch_maya.render import prices
from azure_batch_maya.render.autoscale import AutoscalePlan
from azure_batch_maya.render.settings import PoolChoice, SubmitSettings
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.settings.studio import StudioPresets
from tests.render.test_prices import RecordedApi

REPO = Path(__file__).resolve().parents[2]
SCENE = read_ma(REPO / "examples" / "shot010" / "scenes" / "shot010_lighting.ma")
NO_STUDIO = StudioPresets()  # no studio file: no ceiling
WHERE = "Batch account render (https://render.westeurope.batch.azure.com)"


def test_the_estimate_uses_prices_fetched_for_the_accounts_region(home, mocker, capsys):
    api = RecordedApi()
    mocker.patch.object(prices, "urlopen", side_effect=api)
    settings = SubmitSettings(frames="1-12", dedicated_nodes=2)
    _check_price(SCENE, settings, NO_STUDIO, False, Messages(quiet=False), where=WHERE)
    err = capsys.readouterr().err
    assert "armRegionName eq 'westeurope'" in urllib.parse.unquote(api.urls[0])
    # 12 one-frame tasks on 2 nodes: 6 waves of 5 minutes, at the fetched 0.4 USD an hour.
    assert "Estimated cost: about 0.40 USD for 0.5 h on 2 dedicated" in err
    assert "from Azure's retail prices API (westeurope, cached)" in err
    assert "(today)" in err


def test_offline_the_estimate_says_it_uses_the_shipped_table(home, mocker, capsys):
    mocker.patch.object(prices, "urlopen", side_effect=URLError("no route to host"))
    settings = SubmitSettings(
        frames="1-12", pool=PoolChoice("new", "p"), autoscale=AutoscalePlan(4), dedicated_nodes=4
    )
    _check_price(SCENE, settings, NO_STUDIO, False, Messages(quiet=False), where=WHERE)
    err = capsys.readouterr().err
    assert "Prices not refreshed: Azure's retail prices API did not answer" in err
    assert "(the most the autoscale pool grows to)" in err
    assert "from the shipped price table" in err
