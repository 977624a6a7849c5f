"""Cost: the shipped dated price table, a user's override, estimates and node-hours used."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from azure_batch_maya.render.cost import (
    NodeHours,
    PriceError,
    cost_of,
    estimate_cost,
    estimate_hours,
    estimate_job,
    load_prices,
    node_hours,
)
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.tasks import RenderTask


@pytest.fixture
def home(tmp_path):
    return {"AZURE_BATCH_MAYA_HOME": str(tmp_path)}


def test_the_shipped_table_is_dated_and_prices_the_default_vm(home):
    table = load_prices(home)
    assert table.source == "the shipped price table"
    datetime.strptime(table.as_of, "%Y-%m-%d")
    price = table.price("standard_d8s_v5", "linux")
    assert 0 < price.spot < price.dedicated


def test_estimate_is_nodes_times_price_times_hours_spot_and_dedicated_apart(home, tmp_path):
    override = {
        "as_of": "2030-01-01",
        "currency": "EUR",
        "region": "westeurope",
        "prices": {"Standard_X": {"linux": {"dedicated": 2.0, "spot": 0.5}}},
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.json").write_text(json.dumps(override))
    table = load_prices(home)
    hours = estimate_hours(tasks=10, minutes_per_task=30, nodes=4, slots_per_node=1)
    assert hours == 1.5  # 3 waves of 30 minutes
    est = estimate_cost(table, "Standard_X", "linux", dedicated_nodes=1, spot_nodes=3, hours=hours)
    assert (est.dedicated_cost, est.spot_cost, est.total) == (3.0, 2.25, 5.25)
    assert est.to_json()["currency"] == "EUR" and est.to_json()["prices_as_of"] == "2030-01-01"


def test_the_sizes_a_table_prices_keep_their_spelling_once_each_in_name_order(home, tmp_path):
    shipped = load_prices(home)
    assert "Standard_D8s_v5" in shipped.sizes
    assert list(shipped.sizes) == sorted(shipped.sizes, key=str.lower)
    assert len(shipped.sizes) == len({size for size, _os in shipped.prices})
    both = {"dedicated": 1.0, "spot": 0.1}
    mine = {
        "as_of": "2030-01-01",
        "currency": "EUR",
        "region": "westeurope",
        "prices": {"standard_b": {"linux": both}, "Standard_A": {"windows": both}},
    }
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.json").write_text(json.dumps(mine))
    assert load_prices(home).sizes == ("Standard_A", "standard_b")


def test_unknown_vm_sizes_and_broken_tables_say_what_to_do(home, tmp_path):
    with pytest.raises(PriceError, match=r"add it to a prices\.json"):
        load_prices(home).price("Standard_Nope", "linux")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prices.json").write_text('{"as_of": "x"}')
    with pytest.raises(PriceError, match="unreadable"):
        load_prices(home)


def test_node_hours_used_from_task_runs():
    t0 = datetime(2026, 1, 1, 12, 0)
    runs = [
        (t0, t0 + timedelta(minutes=30), True),
        (t0, t0 + timedelta(minutes=90), False),
        (t0 + timedelta(hours=1), t0, True),  # clock skew counts as nothing, not negative
    ]
    used = node_hours(runs)
    assert used == NodeHours(dedicated=0.5, spot=1.5)
    table = load_prices({"AZURE_BATCH_MAYA_HOME": "/nonexistent"})
    price = table.price("Standard_D8s_v5", "linux")
    cost = cost_of(table, "Standard_D8s_v5", "linux", used)
    assert cost.total == pytest.approx(0.5 * price.dedicated + 1.5 * price.spot)


def test_a_job_estimate_runs_its_tasks_in_waves_on_the_settings_nodes(home):
    table = load_prices(home)
    tasks = [RenderTask(f"t{i}", (1.0, 2.0), ("l",), ("c",)) for i in range(5)]
    settings = SubmitSettings(dedicated_nodes=1, spot_nodes=1, vm_size="Standard_D8s_v5")
    est = estimate_job(table, settings, tasks, minutes_per_frame=15)
    assert est.hours == 1.5  # 3 waves of two 15-minute frames
    price = table.price("Standard_D8s_v5", "linux")
    assert est.dedicated_cost == pytest.approx(1.5 * price.dedicated)
    assert est.spot_cost == pytest.approx(1.5 * price.spot)
