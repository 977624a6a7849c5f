"""The Pools tab: the account's pools, what they cost while idle, resize (to 0) and delete."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from azure_batch_maya.app.jobs.health import Problem
from azure_batch_maya.app.pools import autoscale as autoscalestatus
from azure_batch_maya.app.pools import status as poolstatus
from azure_batch_maya.app.pools.check import CheckOptions, check_pool
from azure_batch_maya.app.pools.findings import CheckReport
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.autoscale import EVALUATION_INTERVAL, AutoscalePlan, formula
from azure_batch_maya.render.cost import PriceError, PriceTable, load_prices
from azure_batch_maya.services import autoscale, pools


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
    problems: tuple[Problem, ...] = ()  # resize errors, dead nodes (see app.jobs.health)
    trouble: str = ""  # the Errors column: codes and how many nodes are unusable
    autoscale: str = ""  # app.pools.autoscale.autoscale_line: on, last run, targets or error
    autoscale_failed: bool = False
    autoscale_plan: AutoscalePlan | None = None  # our formula's settings, when it runs ours
    empties_itself: str = ""  # idle nodes of a pool that goes to 0 by itself: no alarm

    @property
    def error_text(self) -> str:
        """Each problem and what to do, as `pools list` prints them ("" when none)."""
        return "\n".join(f"{p.text}\nWhat to do: {p.remedy}" for p in self.problems)

    @property
    def warning(self) -> str:
        """What idle nodes cost, so they get resized to 0 ("" when none sit idle)."""
        if self.idle_nodes == 0 or self.empties_itself:
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
        self.autoscale_interval: timedelta = EVALUATION_INTERVAL  # tests shorten it
        self.changed: Event[PoolsController] = Event()

    def list_pools(self) -> tuple[PoolRow, ...]:
        """Every pool with its idle nodes. Slow: one call per pool with nodes."""
        connection = self.session.require_connection()
        table: PriceTable | None = None
        if not connection.local:
            try:
                table = load_prices()
            except PriceError:
                table = None
        return tuple(_row(status, table) for status in poolstatus.list_pool_rows(connection))

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

    def set_autoscale(
        self, pool_id: str, *, max_nodes: int, idle_minutes: float, spot_share: float = 0.0
    ) -> None:
        """Turn our formula on (or change it) for a pool. Slow."""
        text = formula(max_nodes, spot_share, idle_minutes)
        connection = self.session.require_connection()
        autoscale.enable_pool_autoscale(
            connection.batch, pool_id, text, interval=self.autoscale_interval
        )

    def autoscale_off(self, pool_id: str) -> None:
        """Turn autoscale off; the pool keeps the nodes it has (resize it to 0 after). Slow."""
        connection = self.session.require_connection()
        autoscale.disable_pool_autoscale(connection.batch, pool_id)

    def check_nodes(
        self,
        pool_id: str,
        options: CheckOptions | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> CheckReport:
        """Run the node check on a pool (`pools check`). Slow: minutes; a worker's job.

        Without `options`: the Env tab's licence servers and variables, and the open scene's
        renderer's plug-in.
        """
        connection = self.session.require_connection()
        return check_pool(
            connection,
            pool_id,
            options or self._check_options(),
            on_progress=progress,
            cancel=cancel,
        )

    def _check_options(self) -> CheckOptions:
        from azure_batch_maya.settings.env import load_env

        saved = load_env().settings
        scene = self.session.scene
        renderers = (scene.renderer,) if scene is not None and scene.renderer else ()
        return CheckOptions(
            renderers=renderers,
            environment={**saved.licences.environment(), **dict(saved.environment)},
        )

    def delete(self, pool_id: str) -> None:
        """Delete a pool (the view asks for confirmation first). Slow."""
        connection = self.session.require_connection()
        pools.begin_delete_pool(connection.batch, pool_id)


def _row(status: poolstatus.PoolRow, table: PriceTable | None) -> PoolRow:
    cost = None
    if table is not None and status.idle.total:
        cost = poolstatus.idle_cost_per_hour(status, table)
    return PoolRow(
        id=status.id,
        state=status.state,
        allocation_state=status.allocation_state,
        dedicated=status.dedicated,
        spot=status.spot,
        vm_size=status.vm_size,
        idle_nodes=status.idle.total,
        idle_cost_per_hour=cost,
        currency=table.currency if table is not None and cost is not None else "",
        problems=status.problems,
        trouble=status.trouble,
        autoscale=autoscalestatus.autoscale_line(status.autoscale),
        autoscale_failed=bool(status.autoscale.error),
        autoscale_plan=autoscalestatus.plan_of(status.autoscale),
        empties_itself=(
            autoscalestatus.idle_note(status.autoscale, status.idle.total) or ""
            if status.idle.total
            else ""
        ),
    )
