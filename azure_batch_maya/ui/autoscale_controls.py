"""Autoscale settings as two small boxes, shared by the Submit tab (a new pool) and the Pools tab.

"Up to N nodes" (0: autoscale off) and "empty after M idle minutes"; with `spot_share`, a
"% Spot" box too (the Pools tab). On the Submit tab the Env tab's node counts give the share.
"""

from __future__ import annotations

from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES
from azure_batch_maya.ui.qt import QtWidgets


class AutoscaleControls(QtWidgets.QWidget):
    """`max_nodes` (0 = off), `idle_minutes` and maybe `spot_percent`, labelled, in one row."""

    def __init__(self, *, off_text: str = "off", spot_share: bool = False) -> None:
        super().__init__()
        self.max_nodes = QtWidgets.QSpinBox()
        self.max_nodes.setRange(0, 1000)
        self.max_nodes.setSpecialValueText(off_text)
        self.max_nodes.setToolTip(
            "Autoscale: the pool grows to its pending tasks up to this many nodes "
            "and empties itself when idle"
        )
        self.idle_minutes = QtWidgets.QDoubleSpinBox()
        self.idle_minutes.setRange(0.01, 10080)
        self.idle_minutes.setDecimals(2)
        self.idle_minutes.setValue(DEFAULT_IDLE_MINUTES)
        self.idle_minutes.setToolTip("Go to 0 nodes after this many minutes without work")
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QtWidgets.QLabel("Autoscale up to"))
        layout.addWidget(self.max_nodes)
        layout.addWidget(QtWidgets.QLabel("nodes, empty after"))
        layout.addWidget(self.idle_minutes)
        layout.addWidget(QtWidgets.QLabel("idle min"))
        self.spot_percent: QtWidgets.QSpinBox | None = None
        if spot_share:
            self.spot_percent = QtWidgets.QSpinBox()
            self.spot_percent.setRange(0, 100)
            self.spot_percent.setSuffix(" % Spot")
            self.spot_percent.setToolTip("Share of the nodes that are Spot (cheaper, may be taken)")
            layout.addWidget(self.spot_percent)

    def set_values(self, max_nodes: int, idle_minutes: float, spot_share: float = 0.0) -> None:
        self.max_nodes.setValue(max_nodes)
        self.idle_minutes.setValue(idle_minutes)
        if self.spot_percent is not None:
            self.spot_percent.setValue(round(spot_share * 100))

    @property
    def spot_share(self) -> float:
        """The Spot box as a share (0 without one)."""
        return self.spot_percent.value() / 100 if self.spot_percent is not None else 0.0
