"""The Submit tab's widgets: pool, renderer, frames, layers, validation, estimate, Submit Job."""

from __future__ import annotations

from collections.abc import Callable

from azure_batch_maya.controllers.submit import POOL_MODE_LABELS, SubmitController
from azure_batch_maya.render.cost import CostEstimate
from azure_batch_maya.render.settings import POOL_MODES
from azure_batch_maya.submission import Submitted
from azure_batch_maya.ui.autoscale_controls import AutoscaleControls
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, WARN, dot, level_icon, set_status
from azure_batch_maya.ui.qt import QtCore, QtWidgets, with_flag
from azure_batch_maya.ui.worker import Task, Workers


class SubmitView(QtWidgets.QWidget):
    def __init__(self, controller: SubmitController, workers: Workers) -> None:
        super().__init__()
        self.controller = controller
        self.workers = workers
        self.task: Task[Submitted] | None = None
        self.submitted: Callable[[Submitted], None] | None = None  # the panel shows Jobs
        self._showing = False

        self.scene = QtWidgets.QLabel()
        self.renderer = QtWidgets.QLabel()
        self.renderer.setWordWrap(True)
        self.pool_mode = QtWidgets.QComboBox()
        for mode in POOL_MODES:
            self.pool_mode.addItem(POOL_MODE_LABELS[mode], mode)
        self.pool_id = QtWidgets.QComboBox()
        self.pool_id.setEditable(True)
        self.pool_id.setMinimumWidth(180)
        self.refresh_pools = QtWidgets.QToolButton()
        self.refresh_pools.setText("↻")
        self.refresh_pools.setToolTip("List the account's pools")
        pool_row = QtWidgets.QHBoxLayout()
        pool_row.addWidget(self.pool_mode, 1)
        pool_row.addWidget(self.pool_id)
        pool_row.addWidget(self.refresh_pools)
        self.autoscale = AutoscaleControls(off_text="off (fixed nodes)")

        self.start = _frame_box()
        self.end = _frame_box()
        self.step = _frame_box()
        self.step.setMinimum(0.001)
        self.prefix = QtWidgets.QLineEdit()
        self.prefix.setToolTip("For this job only: the scene is not changed")
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.refresh_button.setToolTip("Take frames, prefix and layers from the scene again")
        frames = QtWidgets.QHBoxLayout()
        for label, box in (("Start", self.start), ("End", self.end), ("Step", self.step)):
            frames.addWidget(QtWidgets.QLabel(label))
            frames.addWidget(box)
        frames.addStretch(1)
        frames.addWidget(self.refresh_button)

        form = QtWidgets.QFormLayout()
        form.addRow("Scene", self.scene)
        form.addRow("Renderer", self.renderer)
        form.addRow("Pool", pool_row)
        form.addRow("", self.autoscale)
        form.addRow("Frames", frames)
        form.addRow("Output prefix", self.prefix)

        self.layers = QtWidgets.QListWidget()
        self.layers.setMaximumHeight(80)
        self.findings = QtWidgets.QListWidget()
        self.findings.setWordWrap(True)
        self.findings.setTextElideMode(QtCore.Qt.TextElideMode.ElideNone)
        self.findings.setSpacing(2)
        self.cost = QtWidgets.QLabel()
        self.cost.setWordWrap(True)

        self.submit_button = QtWidgets.QPushButton("Submit Job")
        self.submit_button.setMinimumHeight(32)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QtWidgets.QProgressBar()
        self.progress.setFormat("")
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        go = QtWidgets.QHBoxLayout()
        go.addWidget(self.progress, 1)
        go.addWidget(self.cancel_button)
        go.addWidget(self.submit_button)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_heading("Render layers"))
        layout.addWidget(self.layers)
        layout.addWidget(_heading("Checks"))
        layout.addWidget(self.findings, 1)
        layout.addWidget(self.cost)
        layout.addLayout(go)
        layout.addWidget(self.status)

        self.pool_mode.currentIndexChanged.connect(lambda _i: self._edited())
        self.pool_id.currentTextChanged.connect(lambda _t: self._edited())
        self.autoscale.max_nodes.valueChanged.connect(lambda _v: self._edited())
        self.autoscale.idle_minutes.valueChanged.connect(lambda _v: self._edited())
        for box in (self.start, self.end, self.step):
            box.valueChanged.connect(lambda _v: self._edited())
        self.prefix.editingFinished.connect(self._edited)
        self.layers.itemChanged.connect(self._layer_changed)
        self.refresh_button.clicked.connect(controller.reset_from_scene)
        self.refresh_pools.clicked.connect(self.list_pools)
        self.submit_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self._cancel)
        controller.changed.connect(lambda _c: self.show_controller())
        controller.env.changed.connect(lambda _s: self.show_controller())
        controller.session.connection_changed.connect(lambda _c: self.show_controller())
        controller.session.connection_changed.connect(lambda _c: self.refresh_prices())
        self.show_controller()

    # Actions ------------------------------------------------------------------------------------

    def list_pools(self) -> None:
        self.workers.start(
            lambda _report: self.controller.list_pool_ids(),
            on_done=self.controller.apply_pool_ids,
            on_error=lambda exc: set_status(self.status, f"Cannot list pools: {exc}", BAD),
        )

    def refresh_prices(self) -> None:
        """Current prices for the estimate, fetched on a worker when connected to Azure."""
        self.workers.start(
            lambda _report: self.controller.refresh_prices(),
            on_done=self._prices_refreshed,
            on_error=lambda exc: set_status(self.status, f"Prices not refreshed: {exc}", WARN),
        )

    def _prices_refreshed(self, problem: str) -> None:
        self.show_controller()
        if problem:
            set_status(self.status, f"Prices not refreshed: {problem}.", WARN)

    def submit(self) -> None:
        self.submit_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        set_status(self.status, "Uploading the scene's files…", MUTED)
        self.task = self.workers.start(
            lambda report: self.controller.submit(progress=report.progress, cancel=report.cancel),
            on_done=self._submitted,
            on_error=self._failed,
            on_progress=self._progress,
        )

    # Display ------------------------------------------------------------------------------------

    def show_controller(self) -> None:
        c = self.controller
        f = c.fields
        self._showing = True
        try:
            scene = c.session.scene
            self.scene.setText(scene.scene if scene else "No scene open")
            if scene is None:
                set_status(self.renderer, "", MUTED)
            elif c.renderer_supported:
                set_status(self.renderer, c.renderer_label, GOOD)
            else:
                set_status(self.renderer, f"{c.renderer}: not supported on Batch", BAD)
            self.pool_mode.setCurrentIndex(POOL_MODES.index(f.pool_mode))
            known = [self.pool_id.itemText(i) for i in range(self.pool_id.count())]
            if list(c.pool_ids) != known:
                self.pool_id.clear()
                self.pool_id.addItems(list(c.pool_ids))
            self.pool_id.setCurrentText(f.pool_id)
            self.pool_id.setEnabled(f.pool_mode != "auto")
            self.autoscale.set_values(f.autoscale_max, f.idle_minutes)
            self.autoscale.setEnabled(f.pool_mode == "new")
            edit = self.pool_id.lineEdit()
            if edit is not None:
                edit.setPlaceholderText(
                    "pool id" if f.pool_mode == "existing" else "new pool id (optional)"
                )
            self.start.setValue(f.start)
            self.end.setValue(f.end)
            self.step.setValue(f.step)
            self.prefix.setText(f.prefix)
            self.layers.clear()
            names = {layer.name: layer.display_name for layer in scene.layers} if scene else {}
            for name, on in f.layers.items():
                item = QtWidgets.QListWidgetItem(names.get(name, name))
                item.setData(QtCore.Qt.ItemDataRole.UserRole, name)
                item.setFlags(with_flag(item.flags(), QtCore.Qt.ItemFlag.ItemIsUserCheckable))
                item.setCheckState(
                    QtCore.Qt.CheckState.Checked if on else QtCore.Qt.CheckState.Unchecked
                )
                self.layers.addItem(item)
        finally:
            self._showing = False
        self.findings.clear()
        for finding in c.findings():
            line = QtWidgets.QListWidgetItem(level_icon(finding.level), finding.message)
            line.setToolTip(f"{finding.level}: {finding.code}")
            self.findings.addItem(line)
        if c.assets.result is not None and not self.findings.count():
            self.findings.addItem(QtWidgets.QListWidgetItem(dot(GOOD), "No problems found."))
        estimate = c.estimate() if scene is not None else ""
        if isinstance(estimate, CostEstimate):
            split = f"dedicated {estimate.dedicated_cost:.2f}, Spot {estimate.spot_cost:.2f}"
            set_status(
                self.cost,
                f"Estimated cost: {estimate.total:.2f} {estimate.currency} ({split}; "
                f"{estimate.hours:.1f} h at 5 min a frame; {estimate.prices_note()})",
            )
        else:
            set_status(self.cost, estimate, MUTED)
        reason = c.blocked_reason()
        busy = self.task is not None and self.task.running
        self.submit_button.setEnabled(reason is None and not busy)
        self.submit_button.setToolTip(reason or "Upload what is missing and send the job")
        if reason and not busy:
            set_status(self.status, reason, WARN if scene else MUTED)

    def _edited(self) -> None:
        if self._showing:
            return
        mode = self.pool_mode.currentData()
        if mode == "existing" and self.controller.fields.pool_mode != mode:
            self.list_pools()  # the choice needs the list
        self.controller.update(
            pool_mode=self.pool_mode.currentData(),
            pool_id=self.pool_id.currentText(),
            start=self.start.value(),
            end=self.end.value(),
            step=self.step.value(),
            prefix=self.prefix.text(),
            autoscale_max=self.autoscale.max_nodes.value(),
            idle_minutes=self.autoscale.idle_minutes.value(),
        )

    def _layer_changed(self, item: QtWidgets.QListWidgetItem) -> None:
        if not self._showing:
            name = str(item.data(QtCore.Qt.ItemDataRole.UserRole))
            on = item.checkState() == QtCore.Qt.CheckState.Checked
            self.controller.set_layer(name, on)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"Uploading {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    def _submitted(self, submitted: Submitted) -> None:
        self._ended()
        self.progress.setMaximum(1)
        self.progress.setValue(1)
        up = submitted.upload
        self.progress.setFormat("Sent")
        set_status(
            self.status,
            f"Submitted {submitted.job_id}: {len(submitted.job.tasks)} tasks; uploaded "
            f"{up.uploaded_files} files, {up.skipped_files} already in storage."
            + "".join(f" {note}" for note in submitted.notes),
            GOOD,
        )
        if self.submitted is not None:
            self.submitted(submitted)

    def _failed(self, exc: Exception) -> None:
        self._ended()
        set_status(self.status, f"Not submitted: {exc}", BAD)

    def _ended(self) -> None:
        self.cancel_button.setEnabled(False)
        if self.task is not None:
            self.task.running = False
        self.show_controller()

    def _cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            set_status(self.status, "Cancelling…", MUTED)


class FrameBox(QtWidgets.QDoubleSpinBox):
    """A frame number: whole frames shown without decimals, fractional ones as typed."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.3f}".rstrip("0").rstrip(".")


def _frame_box() -> FrameBox:
    box = FrameBox()
    box.setRange(-100000, 100000)
    box.setDecimals(3)
    box.setMinimumWidth(80)
    return box


def _heading(text: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
