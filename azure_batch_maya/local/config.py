"""How a local pool presents itself and how much of this machine it may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PoolConfig:
    """Account name and URL the service answers as, its data folder, and nodes in all.

    The autoscale floor (shortest evaluation interval taken) and sample period are Azure's
    5 minutes and 30 seconds unless the server is started with shorter ones for tests.
    """

    account_name: str
    base_url: str
    data_dir: Path
    slots: int
    autoscale_interval_floor: float = 300.0
    autoscale_sample_period: float = 30.0
