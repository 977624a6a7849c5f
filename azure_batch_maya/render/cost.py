"""What a render costs: an estimate before submitting, and the node-hours used after.

Prices come from, in this order: a `prices.json` the user put in their data folder, the
newest table fetched from Azure's retail prices API into their cache folder (`prices.py`),
or the dated table shipped with the product (`data/prices.json`). The estimate always says
which, and how old its prices are. Dedicated and Spot nodes are priced and shown apart.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from importlib import resources
from typing import Any

from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.tasks import RenderTask
from azure_batch_maya.system.userdirs import data_dir

PRICES_FILE = "prices.json"
log = logging.getLogger(__name__)


class PriceError(ValueError):
    """A price table that cannot be read, or a VM size it does not price."""


@dataclass(frozen=True)
class NodePrice:
    """Per node-hour, for one VM size and OS."""

    dedicated: float
    spot: float


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    currency: str
    region: str
    source: str  # the file it came from
    prices: Mapping[tuple[str, str], NodePrice]  # (vm size lower-cased, os) → price
    # Sizes whose prices were fetched from Azure's retail prices API: size lower-cased → day.
    fetched: Mapping[str, str] = field(default_factory=dict)
    fetched_from: str = ""
    # The VM sizes priced, spelt as the table spells them, sorted: the Env tab's list to search.
    sizes: tuple[str, ...] = ()

    def origin(self, vm_size: str) -> tuple[str, str]:
        """(as of, source) of a size's prices: the day they were fetched, or the table's."""
        day = self.fetched.get(vm_size.lower())
        return (day, self.fetched_from) if day else (self.as_of, self.source)

    def price(self, vm_size: str, node_os: NodeOS) -> NodePrice:
        try:
            return self.prices[(vm_size.lower(), node_os)]
        except KeyError:
            raise PriceError(
                f"no {node_os} price for {vm_size} in {self.source}; add it to a {PRICES_FILE} "
                f"in {data_dir()} to see an estimate"
            ) from None


@dataclass(frozen=True)
class CostEstimate:
    vm_size: str
    dedicated_nodes: int
    spot_nodes: int
    hours: float
    dedicated_cost: float
    spot_cost: float
    currency: str
    prices_as_of: str
    prices_source: str = ""  # PriceTable.source: which table, so the estimate can say

    @property
    def total(self) -> float:
        return self.dedicated_cost + self.spot_cost

    def prices_note(self, today: date | None = None) -> str:
        """'prices of 2026-11-26 (10 days old) from the shipped table'."""
        return f"prices of {self.prices_as_of} ({_age(self.prices_as_of, today)})" + (
            f" from {self.prices_source}" if self.prices_source else ""
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "vm_size": self.vm_size,
            "dedicated_nodes": self.dedicated_nodes,
            "spot_nodes": self.spot_nodes,
            "hours": round(self.hours, 4),
            "dedicated": round(self.dedicated_cost, 2),
            "spot": round(self.spot_cost, 2),
            "total": round(self.total, 2),
            "currency": self.currency,
            "prices_as_of": self.prices_as_of,
            "prices_source": self.prices_source,
        }


@dataclass(frozen=True)
class NodeHours:
    dedicated: float
    spot: float


def parse_prices(data: Mapping[str, Any], source: str) -> PriceTable:
    try:
        prices = {
            (size.lower(), node_os): NodePrice(float(p["dedicated"]), float(p["spot"]))
            for size, by_os in data["prices"].items()
            for node_os, p in by_os.items()
        }
        return PriceTable(
            str(data["as_of"]),
            str(data["currency"]),
            str(data["region"]),
            source,
            prices,
            sizes=_sorted_sizes(data["prices"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise PriceError(
            f"price table {source} is unreadable ({exc!r}); compare it with the shipped one"
        ) from None


def load_prices(env: Mapping[str, str] | None = None) -> PriceTable:
    """The user's price table when there is one, else the shipped one with the sizes fetched
    from Azure's retail prices API (the newest cache) in place of its own. Reads files only,
    never the network: `prices.refresh_cache` fetches."""
    from azure_batch_maya.render.prices import cached_table

    user = data_dir(env) / PRICES_FILE
    if user.is_file():
        try:
            return parse_prices(json.loads(user.read_text("utf-8")), f"your price table {user}")
        except ValueError as exc:
            raise PriceError(f"price table {user} is not valid JSON: {exc}") from None
    shipped = resources.files("azure_batch_maya") / "data" / PRICES_FILE
    table = parse_prices(json.loads(shipped.read_text("utf-8")), "the shipped price table")
    cached = cached_table(env)
    if cached is None:
        return table
    try:
        data = json.loads(cached.read_text("utf-8"))
        fetched = parse_prices(data, str(cached))
        days = {str(size).lower(): str(day) for size, day in dict(data["fetched"]).items()}
    except (ValueError, KeyError, TypeError, PriceError) as exc:  # the shipped table will do
        log.warning("ignoring the cached price table %s: %s", cached, exc)
        return table
    if fetched.currency != table.currency:
        log.warning("ignoring %s: prices in %s, not %s", cached, fetched.currency, table.currency)
        return table
    return replace(
        table,
        prices={**table.prices, **fetched.prices},
        fetched=days,
        fetched_from=f"Azure's retail prices API ({fetched.region}, cached)",
        sizes=_sorted_sizes([*table.sizes, *fetched.sizes]),
    )


def _sorted_sizes(names: Iterable[str]) -> tuple[str, ...]:
    """Each size once (the first spelling of it), in case-blind order."""
    spelt: dict[str, str] = {}
    for name in names:
        spelt.setdefault(str(name).lower(), str(name))
    return tuple(sorted(spelt.values(), key=str.lower))


def estimate_hours(
    tasks: int, minutes_per_task: float, nodes: int, slots_per_node: int = 1
) -> float:
    """Wall-clock hours for `tasks` of equal length run `nodes × slots` at a time."""
    if nodes < 1 or slots_per_node < 1:
        raise ValueError("an estimate needs at least one node and one slot")
    waves = math.ceil(tasks / (nodes * slots_per_node))
    return waves * minutes_per_task / 60


def estimate_cost(
    table: PriceTable,
    vm_size: str,
    node_os: NodeOS,
    *,
    dedicated_nodes: int,
    spot_nodes: int,
    hours: float,
) -> CostEstimate:
    """Every node is paid for the whole run: nodes × hourly price × hours."""
    price = table.price(vm_size, node_os)
    return CostEstimate(
        vm_size,
        dedicated_nodes,
        spot_nodes,
        hours,
        dedicated_nodes * price.dedicated * hours,
        spot_nodes * price.spot * hours,
        table.currency,
        *table.origin(vm_size),
    )


def estimate_job(
    table: PriceTable,
    settings: SubmitSettings,
    tasks: Sequence[RenderTask],
    *,
    minutes_per_frame: float,
) -> CostEstimate:
    """The estimate for a job: its tasks' frames at `minutes_per_frame`, on the settings' nodes.

    Tasks are taken as running in waves of `nodes × slots` at the longest task's length.
    """
    nodes = settings.dedicated_nodes + settings.spot_nodes
    if nodes == 0:
        raise PriceError("the pool has no nodes to price; give dedicated or Spot node counts")
    longest = max((len(t.frames) for t in tasks), default=0)
    hours = estimate_hours(
        len(tasks), longest * minutes_per_frame, nodes, settings.task_slots_per_node
    )
    return estimate_cost(
        table,
        settings.vm_size,
        settings.node_os,
        dedicated_nodes=settings.dedicated_nodes,
        spot_nodes=settings.spot_nodes,
        hours=hours,
    )


def node_hours(runs: Iterable[tuple[datetime, datetime, bool]]) -> NodeHours:
    """Node-hours the tasks ran, from (start, end, on a dedicated node) of each execution."""
    dedicated = spot = 0.0
    for start, end, is_dedicated in runs:
        hours = max((end - start).total_seconds(), 0.0) / 3600
        if is_dedicated:
            dedicated += hours
        else:
            spot += hours
    return NodeHours(dedicated, spot)


def cost_of(table: PriceTable, vm_size: str, node_os: NodeOS, used: NodeHours) -> CostEstimate:
    """What the node-hours used cost at the table's prices (tasks' time, not idle nodes')."""
    price = table.price(vm_size, node_os)
    return CostEstimate(
        vm_size,
        0,
        0,
        used.dedicated + used.spot,
        used.dedicated * price.dedicated,
        used.spot * price.spot,
        table.currency,
        *table.origin(vm_size),
    )


def _age(as_of: str, today: date | None = None) -> str:
    try:
        days = ((today or date.today()) - date.fromisoformat(as_of)).days
    except ValueError:
        return "of unknown age"
    if days <= 0:
        return "today"
    return f"{days} day{'s' if days != 1 else ''} old"
