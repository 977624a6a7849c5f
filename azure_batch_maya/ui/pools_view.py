"""The Pools tab's widgets: the pool list with idle-cost warnings, resize, delete, node check."""

from __future__ import annotations

from collections.abc import Callable

from azure_batch_maya.app.pools.findings import CheckReport
from azure_batch_maya.controllers.pools import PoolRow, PoolsController
from azure_batch_maya.render.autoscale import AutoscalePlan
from azure_batch_maya.ui.autoscale_controls import AutoscaleControls
from azure_batch_maya.ui.icons import BAD, GOOD, WARN, level_icon, set_status
from azure_batch_maya.ui.listtab import ListTab
from azure_batch_maya.ui.nodecheck_view import NodeCheckDialog
from azure_batch_maya.ui.qt import QtGui, QtWidgets
from azure_batch_maya.ui.worker import Workers

COLUMNS = (
    "Pool",
    "State",
    "Allocation",
    "Dedicated",
    "Spot",
    "VM size",
    "Idle",
    "Errors",
    "Autoscale",
)
IDLE_COLUMN, ERRORS_COLUMN, AUTOSCALE_COLUMN = 6, 7, 8
REFRESH_MS = 15000


class PoolsView(ListTab[PoolRow]):
    """The pool list with what idle nodes cost, and resize, autoscale, delete, node check."""

    noun = "pools"

    def __init__(self, controller: PoolsController, workers: Workers) -> None:
        super().__init__(
            controller.session,
            workers,
            row_type=PoolRow,
            columns=COLUMNS,
            widths=(120, 55, 70, 70, 45, 120, 70, 70),
            interval_ms=REFRESH_MS,
        )
        self.controller = controller
        self.dedicated = QtWidgets.QSpinBox()
        self.dedicated.setRange(0, 1000)
        self.spot = QtWidgets.QSpinBox()
        self.spot.setRange(0, 1000)
        self.resize_button = QtWidgets.QPushButton("Resize")
        self.resize_button.setToolTip("Resize to 0 between jobs so idle nodes cost nothing")
        self.delete_button = QtWidgets.QPushButton("Delete Pool…")
        self.autoscale = AutoscaleControls(spot_share=True)
        self._autoscale_shown: tuple[str, AutoscalePlan | None] | None = None
        self.autoscale_button = QtWidgets.QPushButton("Set Autoscale")
        self.autoscale_button.setToolTip(
            "Let the pool grow to its work and empty itself when idle; 'off' keeps its nodes"
        )
        self.check_button = QtWidgets.QPushButton("Check Nodes")
        self.check_button.setToolTip(
            "Run a small task on each node: Maya, the scene's renderer plug-in, licence servers, "
            "disk and GPUs"
        )
        self.check_dialog: NodeCheckDialog | None = None
        self.pool_checked: Callable[[str], None] | None = None  # the panel tells the Submit tab
        self.checking = False  # one node check at a time
        actions = QtWidgets.QHBoxLayout()
        actions.addWidget(self.refresh_button)
        actions.addWidget(self.check_button)
        actions.addStretch(1)
        actions.addWidget(QtWidgets.QLabel("Dedicated"))
        actions.addWidget(self.dedicated)
        actions.addWidget(QtWidgets.QLabel("Spot"))
        actions.addWidget(self.spot)
        actions.addWidget(self.resize_button)
        actions.addSpacing(16)
        actions.addWidget(self.delete_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        autoscale_row = QtWidgets.QHBoxLayout()
        autoscale_row.addStretch(1)
        autoscale_row.addWidget(self.autoscale)
        autoscale_row.addWidget(self.autoscale_button)
        layout.addLayout(autoscale_row)
        self.autoscale_lines = QtWidgets.QLabel()
        self.autoscale_lines.setWordWrap(True)
        layout.addWidget(self.autoscale_lines)
        layout.addWidget(self.status)

        self.resize_button.clicked.connect(self.resize_selected)
        self.delete_button.clicked.connect(self.delete_selected)
        self.autoscale_button.clicked.connect(self.autoscale_selected)
        self.check_button.clicked.connect(self.check_selected)
        controller.changed.connect(lambda _c: self.show_controller())
        self.show_controller()

    # The list (ListTab) -------------------------------------------------------------------------

    def fetch(self) -> tuple[PoolRow, ...]:
        return self.controller.list_pools()

    def listed(self, rows: tuple[PoolRow, ...]) -> None:
        self.controller.apply(rows)

    def picked(self) -> None:
        self._selection_changed()

    # Actions ------------------------------------------------------------------------------------

    def resize_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        dedicated, spot = self.dedicated.value(), self.spot.value()
        self.act(
            lambda: self.controller.resize(row.id, dedicated=dedicated, spot=spot),
            doing=f"Resizing {row.id} to {dedicated} dedicated, {spot} Spot…",
            done=f"Resizing {row.id}; the list shows it settle.",
            failed="Not resized",
        )

    def autoscale_selected(self) -> None:
        """Our formula with the boxes' settings, or off (the pool keeps its nodes) at 0."""
        row = self.selected()
        if row is None:
            return
        most, idle = self.autoscale.max_nodes.value(), self.autoscale.idle_minutes.value()
        share = self.autoscale.spot_share
        if most == 0:
            done = f"Autoscale off for {row.id}; it keeps its nodes (resize it to 0 when done)."
        else:
            done = f"Autoscale on for {row.id}: up to {most} nodes."

        def work() -> None:
            if most == 0:
                self.controller.autoscale_off(row.id)
            else:
                self.controller.set_autoscale(
                    row.id, max_nodes=most, idle_minutes=idle, spot_share=share
                )

        self.act(
            work,
            doing=f"Changing the autoscale of {row.id}…",
            done=done,
            failed="Autoscale not changed",
        )

    def delete_selected(self) -> None:
        row = self.selected()
        if row is None or not self.confirm(
            f"Delete pool {row.id}? Its {row.dedicated[0] + row.spot[0]} nodes go, and any job "
            "still running on it fails."
        ):
            return
        self.act(
            lambda: self.controller.delete(row.id),
            doing=f"Deleting {row.id}…",
            done=f"Deleting {row.id}.",
            failed="Not deleted",
        )

    def check_selected(self) -> None:
        """Run the node check on a worker; the result opens in its own window."""
        row = self.selected()
        if row is None:
            return
        self.checking = True
        self.check_button.setEnabled(False)
        set_status(self.status, f"Checking the nodes of {row.id}…")

        def progress(done: int, total: int) -> None:
            set_status(self.status, f"Checking the nodes of {row.id}: {done} of {total} done…")

        def checked(report: CheckReport) -> None:
            self.checking = False
            self.check_button.setEnabled(self.selected() is not None)
            colour = GOOD if report.ok else BAD
            verdict = "can render" if report.ok else "has nodes that cannot render"
            set_status(self.status, f"Pool {row.id} {verdict}.", colour)
            self.check_dialog = NodeCheckDialog(report, self)
            self.check_dialog.show()
            if self.pool_checked is not None:
                self.pool_checked(row.id)

        def failed(exc: Exception) -> None:
            self.checking = False
            self.check_button.setEnabled(self.selected() is not None)
            set_status(self.status, f"Node check not done: {exc}", BAD)

        self.workers.start(
            lambda report: self.controller.check_nodes(
                row.id, progress=report.progress, cancel=report.cancel
            ),
            on_done=checked,
            on_error=failed,
            on_progress=progress,
        )

    # Display ------------------------------------------------------------------------------------

    def selected(self) -> PoolRow | None:
        return self.selected_row()

    def show_controller(self) -> None:
        chosen = self.selected()
        rows = self.controller.rows
        items = self.fill(rows, lambda r: r.id, _cells, chosen.id if chosen else None)
        for row, item in zip(rows, items, strict=True):
            off = "Autoscale off: the pool keeps its node counts"
            item.setToolTip(AUTOSCALE_COLUMN, row.autoscale or off)
            if row.autoscale_failed:
                item.setIcon(AUTOSCALE_COLUMN, level_icon("error"))
            if row.empties_itself:
                item.setToolTip(IDLE_COLUMN, row.empties_itself)
            if row.warning:
                item.setIcon(IDLE_COLUMN, level_icon("warning"))
                item.setToolTip(IDLE_COLUMN, row.warning)
            if row.problems:
                item.setIcon(ERRORS_COLUMN, level_icon("error"))
                item.setForeground(ERRORS_COLUMN, QtGui.QBrush(QtGui.QColor(BAD)))
                item.setToolTip(ERRORS_COLUMN, row.error_text)
        if not self.controller.rows:
            text = "No pools." if self.controller.session.connection else "Not connected."
            self.say(text)
        lines = [f"{r.id}: {r.autoscale}" for r in self.controller.rows if r.autoscale]
        self.autoscale_lines.setText("\n".join(lines))
        self.autoscale_lines.setVisible(bool(lines))
        idle = [r for r in self.controller.rows if r.warning]
        if idle:
            self.say("; ".join(f"{r.id}: {r.warning}" for r in idle), WARN)
        broken = [r for r in self.controller.rows if r.problems]
        if broken:  # what stops pools matters more than what idles
            self.say("\n".join(r.error_text for r in broken), BAD)
        self._selection_changed()

    def _selection_changed(self) -> None:
        row = self.selected()
        for widget in (self.resize_button, self.delete_button, self.dedicated, self.spot):
            widget.setEnabled(row is not None)
        self.autoscale.setEnabled(row is not None)
        self.autoscale_button.setEnabled(row is not None)
        self.check_button.setEnabled(row is not None and not self.checking)
        if row is not None:
            self.dedicated.setValue(row.dedicated[1])
            self.spot.setValue(row.spot[1])
        if row is not None and (row.id, row.autoscale_plan) != self._autoscale_shown:
            # Only when the pool or its plan changes, not on every refresh of the list.
            self._autoscale_shown = (row.id, row.autoscale_plan)
            plan = row.autoscale_plan or AutoscalePlan(1)
            self.autoscale.set_values(
                plan.max_nodes if row.autoscale_plan else 0, plan.idle_minutes, plan.spot_share
            )


def _cells(row: PoolRow) -> tuple[str, ...]:
    return (
        row.id,
        row.state,
        row.allocation_state,
        f"{row.dedicated[0]} / {row.dedicated[1]}",
        f"{row.spot[0]} / {row.spot[1]}",
        row.vm_size,
        _idle(row),
        row.trouble,
        _autoscale(row),
    )


def _autoscale(row: PoolRow) -> str:
    """The Autoscale column, short: the full line is its tooltip and below the list."""
    if not row.autoscale:
        return "off"
    if row.autoscale_failed:
        return "error"
    plan = row.autoscale_plan
    return f"≤{plan.max_nodes}, {plan.idle_minutes:g} min" if plan else "on"


def _idle(row: PoolRow) -> str:
    if not row.idle_nodes:
        return ""
    if row.idle_cost_per_hour is None:
        return f"{row.idle_nodes} idle"
    return f"{row.idle_nodes} idle: {row.idle_cost_per_hour:.2f} {row.currency}/h"
