"""The Pools tab: the account's pools, what they cost while idle, resize (to 0) and delete."""

from __future__ import annotations

from dataclasses import dataclass

from azure.batch import BatchClient, models

from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.cost import PriceError, PriceTable, load_prices
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.services import pools

POOL_FIELDS = [
    "id",
    "state",
    "allocationState",
    "vmSize",
    "currentDedicatedNodes",
    "targetDedicatedNodes",
    "currentLowPriorityNodes",
    "targetLowPriorityNodes",
    "virtualMachineConfiguration",
]


@dataclass(frozen=True)
class PoolRow:
    id: str
    state: str
    allocation_state: str
    dedicated: tuple[int, int]  # current, target
    spot: tuple[int, int]
    vm_size: str
    idle_nodes: int
    idle_cost_per_hour: float | None  # None: not priced (or the local pool)
    currency: str = ""

    @property
    def warning(self) -> str:
        """What idle nodes cost, so they get resized to 0 ("" when none sit idle)."""
        if self.idle_nodes == 0:
            return ""
        nodes = f"{self.idle_nodes} idle node{'s' if self.idle_nodes != 1 else ''}"
        if self.idle_cost_per_hour is None:
            return f"{nodes}: resize to 0 when no job needs them"
        cost = f"{self.idle_cost_per_hour:.2f} {self.currency}/hour"
        return f"{nodes} cost {cost} doing nothing: resize to 0 between jobs"


class PoolsController:
    """Holds the pool list; `list_pools`, `resize` and `delete` are slow (worker thread)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: tuple[PoolRow, ...] = ()
        self.changed: Event[PoolsController] = Event()

    def list_pools(self) -> tuple[PoolRow, ...]:
        """Every pool with its nodes counted by state. Slow: one call per pool with nodes."""
        connection = self.session.require_connection()
        table: PriceTable | None = None
        if not connection.local:
            try:
                table = load_prices()
            except PriceError:
                table = None
        rows = []
        for pool in pools.list_pools(connection.batch, select=POOL_FIELDS):
            rows.append(_row(connection.batch, pool, table))
        return tuple(sorted(rows, key=lambda r: r.id))

    def apply(self, rows: tuple[PoolRow, ...]) -> None:
        self.rows = rows
        self.changed.emit(self)

    def resize(self, pool_id: str, *, dedicated: int, spot: int = 0) -> None:
        """Ask for a new node count (0 included); the list shows it settle. Slow."""
        if dedicated < 0 or spot < 0:
            raise ValueError("node counts cannot be negative")
        connection = self.session.require_connection()
        client = connection.batch
        pools.begin_resize_pool(client, pool_id, dedicated_nodes=dedicated, spot_nodes=spot)

    def delete(self, pool_id: str) -> None:
        """Delete a pool (the view asks for confirmation first). Slow."""
        connection = self.session.require_connection()
        pools.begin_delete_pool(connection.batch, pool_id)


def _row(client: BatchClient, pool: models.BatchPool, table: PriceTable | None) -> PoolRow:

    current = (pool.current_dedicated_nodes or 0) + (pool.current_low_priority_nodes or 0)
    idle_dedicated = idle_spot = 0
    if current:
        nodes = pools.list_nodes(
            client, pool.id or "", select=["id", "state", "isDedicated"], missing_ok=True
        )
        for node in nodes:
            if node.state == models.BatchNodeState.IDLE:
                if node.is_dedicated is False:
                    idle_spot += 1
                else:
                    idle_dedicated += 1
    cost: float | None = None
    currency = ""
    if table is not None and pool.vm_size and (idle_dedicated or idle_spot):
        try:
            price = table.price(pool.vm_size, _node_os(pool))
        except PriceError:
            price = None
        if price is not None:
            cost = idle_dedicated * price.dedicated + idle_spot * price.spot
            currency = table.currency
    return PoolRow(
        id=pool.id or "",
        state=_text(pool.state),
        allocation_state=_text(pool.allocation_state),
        dedicated=(pool.current_dedicated_nodes or 0, pool.target_dedicated_nodes or 0),
        spot=(pool.current_low_priority_nodes or 0, pool.target_low_priority_nodes or 0),
        vm_size=pool.vm_size or "",
        idle_nodes=idle_dedicated + idle_spot,
        idle_cost_per_hour=cost,
        currency=currency,
    )


def _node_os(pool: models.BatchPool) -> NodeOS:
    config = pool.virtual_machine_configuration
    agent = (config.node_agent_sku_id or "") if config else ""
    return "windows" if "windows" in agent.lower() else "linux"


def _text(value: object) -> str:
    return str(getattr(value, "value", value or ""))
