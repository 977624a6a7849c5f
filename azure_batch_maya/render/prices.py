"""VM prices from Azure's public retail prices API, cached with their date.

The API (https://prices.azure.com/api/retail/prices, no sign-in) answers an OData `$filter`
with pages of `Items` and a `NextPageLink`. We ask per VM size: `serviceName eq 'Virtual
Machines'`, the region's `armRegionName`, the size's `armSkuName`, `priceType eq
'Consumption'`. Among the items, `skuName` ending in "Spot" is the Spot price, "Low Priority"
(retired for VMs) is skipped, and a `productName` with "Windows" is the Windows price; the
rest is Linux pay-as-you-go, per "1 Hour".

Fetched tables go to the user's cache folder with the day they were fetched; `cost.load_prices`
prefers them to the shipped table, which stays the fallback when there is no network. The
same code refreshes the shipped table: `python -m azure_batch_maya.render.prices --refresh
--bundled` (a maintainer's step; see docs/cost.md).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import cache_dir

log = logging.getLogger(__name__)

API_URL = "https://prices.azure.com/api/retail/prices"
CACHE_FILE = "prices-{region}.json"
DEFAULT_REGION = "eastus"
MAX_PAGES = 20  # a size has a few dozen items; more pages means a filter gone wrong
STALE_DAYS = 7  # a cached table older than this is fetched again when the network allows

Fetch = Callable[[str], Mapping[str, Any]]


class PriceFetchError(RuntimeError):
    """The retail prices API could not be reached or answered something unexpected."""


def query_url(region: str, vm_size: str) -> str:
    """The API's URL for one VM size's pay-as-you-go and Spot prices in one region."""
    text = (
        f"serviceName eq 'Virtual Machines' and armRegionName eq '{_quoted(region)}' "
        f"and armSkuName eq '{_quoted(vm_size)}' and priceType eq 'Consumption'"
    )
    return f"{API_URL}?{urllib.parse.urlencode({'$filter': text}, quote_via=urllib.parse.quote)}"


def fetch_json(url: str, *, timeout: float = 10.0) -> Mapping[str, Any]:
    """One page of the API over HTTPS; `PriceFetchError` when offline or unreadable."""
    if not url.startswith(API_URL):
        raise PriceFetchError(f"not the retail prices API: {url}")
    try:
        with urlopen(url, timeout=timeout) as response:
            data = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise PriceFetchError(f"Azure's retail prices API did not answer ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("Items"), list):
        raise PriceFetchError("Azure's retail prices API answered without an Items list")
    return data


def fetch_items(region: str, vm_size: str, fetch: Fetch = fetch_json) -> list[Mapping[str, Any]]:
    """Every item for a size, following `NextPageLink`."""
    items: list[Mapping[str, Any]] = []
    url: str | None = query_url(region, vm_size)
    for _ in range(MAX_PAGES):
        if not url:
            return items
        page = fetch(url)
        items += [item for item in page.get("Items", ()) if isinstance(item, Mapping)]
        url = page.get("NextPageLink") or None
    raise PriceFetchError(f"more than {MAX_PAGES} pages of prices for {vm_size}")


def size_prices(items: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """{'linux': {'dedicated': .., 'spot': ..}, 'windows': {...}} from one size's items.

    An OS missing either price is left out (an estimate must not guess one of them).
    """
    found: dict[str, dict[str, float]] = {}
    for item in items:
        sku = str(item.get("skuName", ""))
        if item.get("type") not in (None, "Consumption") or "Low Priority" in sku:
            continue
        if item.get("unitOfMeasure", "1 Hour") != "1 Hour":
            continue
        if item.get("isPrimaryMeterRegion") is False:
            continue
        try:
            price = float(item["retailPrice"])
        except (KeyError, TypeError, ValueError):
            continue
        node_os = "windows" if "Windows" in str(item.get("productName", "")) else "linux"
        kind = "spot" if sku.endswith("Spot") else "dedicated"
        found.setdefault(node_os, {})[kind] = price
    return {os: p for os, p in found.items() if set(p) == {"dedicated", "spot"}}


def fetch_table(
    sizes: Sequence[str],
    region: str = DEFAULT_REGION,
    *,
    fetch: Fetch = fetch_json,
    today: date | None = None,
) -> dict[str, Any]:
    """A price table (the shape of `data/prices.json`) fetched now for these sizes."""
    prices: dict[str, dict[str, dict[str, float]]] = {}
    currency = "USD"
    for size in sizes:
        items = fetch_items(region, size, fetch)
        currency = next((str(i["currencyCode"]) for i in items if "currencyCode" in i), currency)
        by_os = size_prices(items)
        if by_os:
            prices[size] = by_os
        else:
            log.warning("no pay-as-you-go and Spot prices for %s in %s", size, region)
    if not prices:
        raise PriceFetchError(f"Azure's retail prices API priced none of {', '.join(sizes)}")
    return {
        "as_of": (today or date.today()).isoformat(),
        "currency": currency,
        "region": region,
        "source": f"Azure retail prices API ({API_URL}), priceType Consumption",
        "note": "Pay-as-you-go and Spot prices per node-hour as the API gave them that day; "
        "Spot prices move daily.",
        "prices": prices,
    }


def cache_path(region: str, env: Mapping[str, str] | None = None) -> Path:
    return cache_dir(env) / CACHE_FILE.format(region=region)


def refresh_cache(
    sizes: Sequence[str],
    region: str = DEFAULT_REGION,
    *,
    fetch: Fetch = fetch_json,
    env: Mapping[str, str] | None = None,
    today: date | None = None,
) -> Path:
    """Fetch these sizes' prices into the region's cache file, beside the sizes it already
    holds, each with the day it was fetched (written whole or not at all)."""
    table = fetch_table(sizes, region, fetch=fetch, today=today)
    path = cache_path(region, env)
    prices: dict[str, Any] = {}
    fetched: dict[str, str] = {}
    try:
        old = json.loads(path.read_text("utf-8"))
        if old.get("currency") == table["currency"]:
            prices, fetched = dict(old["prices"]), dict(old["fetched"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache yet, or a damaged one: start again
    prices.update(table["prices"])
    fetched.update({size: table["as_of"] for size in table["prices"]})
    table.update(prices=prices, fetched=fetched)
    return atomic.write_json(path, table, indent=1, sort_keys=True)


def refresh_if_stale(
    sizes: Sequence[str],
    region: str = DEFAULT_REGION,
    *,
    fetch: Fetch = fetch_json,
    env: Mapping[str, str] | None = None,
    today: date | None = None,
) -> str:
    """Fetch the sizes whose cached prices are missing or older than `STALE_DAYS`.

    Returns what a person should know: '' when the cache served or the fetch worked, else why
    the estimate falls back (no network: the shipped table, said so).
    """
    stale = [size for size in sizes if is_stale(_cached_day(region, size, env), today)]
    if not stale:
        return ""
    try:
        refresh_cache(stale, region, fetch=fetch, env=env, today=today)
    except PriceFetchError as exc:
        log.info("prices not refreshed: %s", exc)
        return f"{exc}; prices come from the last fetched or the shipped table"
    return ""


def region_of(where: str) -> str | None:
    """The region in a Batch account URL (`https://NAME.REGION.batch.azure.com`), if any."""
    found = re.search(r"https://[^./]+\.([a-z0-9]+)\.batch\.azure\.com", where)
    return found.group(1) if found else None


def _cached_day(region: str, size: str, env: Mapping[str, str] | None) -> str:
    try:
        fetched = json.loads(cache_path(region, env).read_text("utf-8"))["fetched"]
        return str(fetched.get(size, ""))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return ""


def cached_table(env: Mapping[str, str] | None = None) -> Path | None:
    """The newest fetched table in the cache, if any."""
    folder = cache_dir(env)
    found = sorted(folder.glob(CACHE_FILE.format(region="*")), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def is_stale(as_of: str, today: date | None = None, days: int = STALE_DAYS) -> bool:
    try:
        return ((today or date.today()) - date.fromisoformat(as_of)).days > days
    except ValueError:
        return True


def bundled_sizes() -> list[str]:
    """The VM sizes the shipped table prices (what a refresh fetches by default)."""
    shipped = resources.files("azure_batch_maya") / "data" / "prices.json"
    return list(json.loads(shipped.read_text("utf-8"))["prices"])


def main(argv: Sequence[str] | None = None, fetch: Fetch = fetch_json) -> int:
    """`python -m azure_batch_maya.render.prices --refresh [--bundled] [--region R]`."""
    parser = argparse.ArgumentParser(
        prog="python -m azure_batch_maya.render.prices",
        description="Fetch VM prices from Azure's retail prices API into the user's cache, "
        "or (--bundled, for maintainers) into the shipped table.",
    )
    parser.add_argument("--refresh", action="store_true", required=True)
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--size", action="append", default=[], help="a VM size (repeatable)")
    parser.add_argument(
        "--bundled", metavar="FILE", nargs="?", const="", help="rewrite the shipped table"
    )
    args = parser.parse_args(argv)
    sizes = args.size or bundled_sizes()
    try:
        if args.bundled is None:
            path = refresh_cache(sizes, args.region, fetch=fetch)
        else:
            table = fetch_table(sizes, args.region, fetch=fetch)
            table["refresh"] = "python -m azure_batch_maya.render.prices --refresh --bundled"
            path = Path(args.bundled) if args.bundled else _shipped_file()
            path.write_text(_table_text(table), "utf-8")
    except PriceFetchError as exc:
        sys.stderr.write(f"prices: {exc}; the table was not changed\n")
        return 1
    sys.stdout.write(f"Wrote prices of {len(sizes)} VM sizes in {args.region} to {path}\n")
    return 0


def _table_text(table: Mapping[str, Any]) -> str:
    """The shipped table's layout: one line a VM size, so a refresh diffs line by line."""
    head = {key: value for key, value in table.items() if key != "prices"}
    lines = [json.dumps(head, indent=1)[:-2] + ","]
    rows = [f'  "{size}": {json.dumps(p)}' for size, p in sorted(table["prices"].items())]
    lines += [' "prices": {', ",\n".join(rows), " }", "}"]
    return "\n".join(lines) + "\n"


def _shipped_file() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "prices.json"


def _quoted(text: str) -> str:
    return text.replace("'", "''")


if __name__ == "__main__":
    sys.exit(main())
