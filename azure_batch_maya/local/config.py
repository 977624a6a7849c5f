"""How a local pool presents itself and how much of this machine it may use."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PoolConfig:
    """Account name and URL the service answers as, its data folder, and nodes in all."""

    account_name: str
    base_url: str
    data_dir: Path
    slots: int
