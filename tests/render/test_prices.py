"""Prices from Azure's retail prices API, cached with their date, the shipped table the fallback.

Azure cannot be reached from the tests: only `urlopen` (the real endpoint) is replaced, by
recorded pages built from the API's documented shape (Microsoft's "Azure Retail Prices
overview": `BillingCurrency`, `CustomerEntityId`, `Items`, `NextPageLink`, `Count`; items with
`retailPrice`, `armSkuName`, `skuName` "… Spot" / "… Low Priority", `productName` "… Windows").
"""

from __future__ import annotations

import io
import json
import re
import urllib.parse
from datetime import date
from typing import Any
from urllib.error import URLError

import pytest

from azure_batch_maya.render import prices
from azure_batch_maya.render.cost import estimate_cost, load_prices

TODAY = date(2026, 12, 6)
PAGE_2 = "https://prices.azure.com/api/retail/prices?$filter=x&$skip=100"


def _item(sku: str, product: str, price: float, **extra: Any) -> dict[str, Any]:
    """One item as the API documents it (fields we do not read included, as sent)."""
    arm = "Standard_" + sku.removesuffix(" Spot").removesuffix(" Low Priority").replace(" ", "_")
    return {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": price,
        "unitPrice": price,
        "armRegionName": "westeurope",
        "location": "EU West",
        "effectiveStartDate": "2026-10-01T00:00:00Z",
        "meterId": "00000000-0000-0000-0000-000000000000",
        "meterName": sku,
        "productId": "DZH318Z0BQ4T",
        "skuId": "DZH318Z0BQ4T/00QZ",
        "productName": product,
        "skuName": sku,
        "serviceName": "Virtual Machines",
        "serviceId": "DZH313Z7MMC8",
        "serviceFamily": "Compute",
        "unitOfMeasure": "1 Hour",
        "type": "Consumption",
        "isPrimaryMeterRegion": True,
        "armSkuName": arm,
        **extra,
    }


def _page(items: list[dict[str, Any]], next_link: str | None = None) -> dict[str, Any]:
    return {
        "BillingCurrency": "USD",
        "CustomerEntityId": "Default",
        "CustomerEntityType": "Retail",
        "Items": items,
        "NextPageLink": next_link,
        "Count": len(items),
    }


D8 = [
    _item("D8s v5", "Virtual Machines Dsv5 Series", 0.4),
    _item("D8s v5 Spot", "Virtual Machines Dsv5 Series", 0.05),
    _item("D8s v5 Low Priority", "Virtual Machines Dsv5 Series", 0.08),
    _item("D8s v5", "Virtual Machines Dsv5 Series", 0.3, type="DevTestConsumption"),
]
D8_WINDOWS = [
    _item("D8s v5", "Virtual Machines Dsv5 Series Windows", 0.8),
    _item("D8s v5 Spot", "Virtual Machines Dsv5 Series Windows", 0.12),
]
NC4 = [
    _item("NC4as T4 v3", "Virtual Machines NCasT4_v3 Series", 0.6),
    _item("NC4as T4 v3 Spot", "Virtual Machines NCasT4_v3 Series", 0.1),
]


class RecordedApi:
    """The API's pages by the size a URL asks for (page 2 by its `NextPageLink`)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def __call__(self, url: str, timeout: float) -> io.BytesIO:
        self.urls.append(url)
        if url == PAGE_2:
            return io.BytesIO(json.dumps(_page(D8_WINDOWS)).encode())
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["$filter"][0]
        size = re.search(r"armSkuName eq '([^']+)'", query)
        assert size is not None, query
        pages = {
            "Standard_D8s_v5": _page(D8, next_link=PAGE_2),
            "Standard_NC4as_T4_v3": _page(NC4),
        }
        return io.BytesIO(json.dumps(pages.get(size.group(1), _page([]))).encode())


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    return {"AZURE_BATCH_MAYA_HOME": str(tmp_path)}


@pytest.fixture
def api(mocker) -> RecordedApi:
    recorded = RecordedApi()
    mocker.patch.object(prices, "urlopen", side_effect=recorded)
    return recorded


def test_the_query_filters_as_the_api_documents():
    url = prices.query_url("westeurope", "Standard_D8s_v5")
    assert url.startswith("https://prices.azure.com/api/retail/prices?%24filter=")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["$filter"][0]
    assert query == (
        "serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' "
        "and armSkuName eq 'Standard_D8s_v5' and priceType eq 'Consumption'"
    )


def test_a_fetch_follows_pages_and_keeps_pay_as_you_go_and_spot_per_os(api):
    table = prices.fetch_table(["Standard_D8s_v5"], "westeurope", today=TODAY)
    assert table["prices"] == {
        "Standard_D8s_v5": {
            "linux": {"dedicated": 0.4, "spot": 0.05},  # not Low Priority, not DevTest
            "windows": {"dedicated": 0.8, "spot": 0.12},
        }
    }
    assert (table["as_of"], table["region"], table["currency"]) == (
        "2026-12-06",
        "westeurope",
        "USD",
    )
    assert api.urls[1] == PAGE_2


def test_fetched_prices_are_cached_with_their_day_and_win_over_the_shipped_table(api, home):
    prices.refresh_cache(["Standard_D8s_v5"], "westeurope", env=home, today=TODAY)
    prices.refresh_cache(["Standard_NC4as_T4_v3"], "westeurope", env=home, today=date(2026, 12, 7))
    table = load_prices(home)
    assert table.price("Standard_D8s_v5", "windows").dedicated == 0.8
    assert table.origin("Standard_D8s_v5") == (
        "2026-12-06",
        "Azure's retail prices API (westeurope, cached)",
    )
    assert table.origin("Standard_NC4as_T4_v3")[0] == "2026-12-07"
    assert sorted(s.lower() for s in table.sizes) == sorted({s for s, _os in table.prices})
    # A size the cache lacks keeps the shipped table's price and says so.
    assert table.origin("Standard_E8s_v5") == (table.as_of, "the shipped price table")

    estimate = estimate_cost(
        table, "Standard_D8s_v5", "linux", dedicated_nodes=2, spot_nodes=0, hours=1.0
    )
    assert estimate.total == 0.8
    assert estimate.prices_note(date(2026, 12, 9)) == (
        "prices of 2026-12-06 (3 days old) from Azure's retail prices API (westeurope, cached)"
    )


def test_without_network_the_estimate_uses_the_shipped_table_and_says_so(mocker, home):
    mocker.patch.object(prices, "urlopen", side_effect=URLError("Name or service not known"))
    problem = prices.refresh_if_stale(["Standard_D8s_v5"], "eastus", env=home, today=TODAY)
    assert "Azure's retail prices API did not answer" in problem
    assert "shipped table" in problem
    table = load_prices(home)
    estimate = estimate_cost(
        table, "Standard_D8s_v5", "linux", dedicated_nodes=1, spot_nodes=0, hours=1.0
    )
    assert estimate.prices_source == "the shipped price table"
    assert "from the shipped price table" in estimate.prices_note()
    assert not list(prices.cache_path("eastus", home).parent.glob("prices-*"))


def test_a_fresh_cache_is_not_fetched_again_a_stale_one_is(api, home):
    assert prices.refresh_if_stale(["Standard_D8s_v5"], "westeurope", env=home, today=TODAY) == ""
    fetched = len(api.urls)
    prices.refresh_if_stale(["Standard_D8s_v5"], "westeurope", env=home, today=date(2026, 12, 8))
    assert len(api.urls) == fetched
    prices.refresh_if_stale(["Standard_D8s_v5"], "westeurope", env=home, today=date(2026, 12, 20))
    assert len(api.urls) > fetched


def test_the_refresh_tool_rewrites_a_bundled_table_from_the_api(api, tmp_path, capsys):
    target = tmp_path / "prices.json"
    argv = ["--refresh", "--bundled", str(target), "--region", "westeurope"]
    code = prices.main([*argv, "--size", "Standard_D8s_v5", "--size", "Standard_NC4as_T4_v3"])
    assert code == 0 and str(target) in capsys.readouterr().out
    data = json.loads(target.read_text())
    assert data["source"].startswith("Azure retail prices API")
    assert data["refresh"].startswith("python -m azure_batch_maya.render.prices")
    assert set(data["prices"]) == {"Standard_D8s_v5", "Standard_NC4as_T4_v3"}
    assert target.read_text().count("\n") == 12  # one line a size, so refreshes diff well


def test_the_refresh_tool_leaves_the_table_alone_when_the_api_prices_nothing(api, tmp_path, capsys):
    target = tmp_path / "prices.json"
    code = prices.main(["--refresh", "--bundled", str(target), "--size", "Standard_Unknown"])
    assert code == 1 and "priced none of Standard_Unknown" in capsys.readouterr().err
    assert not target.exists()


def test_the_shipped_table_covers_what_a_renderer_picks(home):
    table = load_prices(home)
    sizes = {size for size, _os in table.prices}
    for family in ("standard_d", "standard_e", "standard_f", "standard_nc", "standard_nv"):
        assert any(size.startswith(family) for size in sizes), family
    for size in sizes:
        for node_os in ("linux", "windows"):
            price = table.price(size, node_os)
            assert 0 < price.spot < price.dedicated


def test_region_of_a_batch_account_url():
    assert prices.region_of("Batch account a (https://a.westeurope.batch.azure.com)") == (
        "westeurope"
    )
    assert prices.region_of("the local pool at http://127.0.0.1:5000") is None
