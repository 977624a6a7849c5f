"""The Check Nodes result: a row per node, red where it cannot render, each failure's remedy.

The same findings `pools check` prints (`app/pools/check.py`); the Pools tab opens this when the
check it ran on a worker thread comes back.
"""

from __future__ import annotations

from azure_batch_maya.app.pools.findings import CheckReport
from azure_batch_maya.ui.icons import BAD, GOOD, dot
from azure_batch_maya.ui.qt import QtGui, QtWidgets

COLUMNS = ("Node", "State", "OS", "Maya", "Result")


class NodeCheckDialog(QtWidgets.QDialog):
    """Non-modal, so the panel (and Maya) stays usable while it is open."""

    def __init__(self, report: CheckReport, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Node check of {report.pool_id}")
        self.report = report
        self.table = QtWidgets.QTreeWidget()
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setWordWrap(True)
        for node in report.nodes:
            result = "can render" if node.ok else "cannot render"
            item = QtWidgets.QTreeWidgetItem(
                [node.node_id, node.state, node.os or "-", node.maya or "-", result]
            )
            colour = GOOD if node.ok else BAD
            item.setIcon(0, dot(colour))
            if not node.ok:
                for column in range(len(COLUMNS)):
                    item.setForeground(column, QtGui.QBrush(QtGui.QColor(BAD)))
            for finding in node.findings:
                child = QtWidgets.QTreeWidgetItem(
                    ["", "", finding.what, "ok" if finding.ok else "FAILED", finding.detail]
                )
                child.setIcon(0, dot(GOOD if finding.ok else BAD, 8))
                if not finding.ok:
                    child.setToolTip(4, finding.remedy)
                    child.setForeground(4, QtGui.QBrush(QtGui.QColor(BAD)))
                    remedy = QtWidgets.QTreeWidgetItem(["", "", "", "what to do", finding.remedy])
                    child.addChild(remedy)
                item.addChild(child)
            self.table.addTopLevelItem(item)
            item.setExpanded(not node.ok)
            for index in range(item.childCount()):
                item.child(index).setExpanded(True)
        summary = (
            f"All {len(report.nodes)} node(s) can render."
            if report.ok
            else f"{sum(not n.ok for n in report.nodes)} of {len(report.nodes)} node(s) cannot "
            "render as they are: see what to do under each."
        )
        self.summary = QtWidgets.QLabel(summary)
        self.summary.setStyleSheet(f"color: {GOOD if report.ok else BAD};")
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.close)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addWidget(close)
        self.resize(760, 420)

    def rows(self) -> list[tuple[str, str]]:
        """(node, result) per node, as shown (tests, screen readers)."""
        out = []
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item is not None:
                out.append((item.text(0), item.text(4)))
        return out
