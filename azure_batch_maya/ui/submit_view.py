"""The Submit tab's widgets: pool, renderer, frames, how the job is split, retries, priority,
time limit, layers, validation, estimate, the studio's rules, Submit Job."""

from __future__ import annotations

from collections.abc import Callable

from azure_batch_maya.app.submit import Submitted
from azure_batch_maya.controllers.submit import CHECKING_FILES, POOL_MODE_LABELS, SubmitController
from azure_batch_maya.render.cost import CostEstimate, PriceTable
from azure_batch_maya.render.scouts import MAX_SCOUTS
from azure_batch_maya.render.settings import POOL_MODES
from azure_batch_maya.transfer.sizes import size_text
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

        self.chunk = QtWidgets.QSpinBox()
        self.chunk.setRange(1, 100000)
        self.chunk.setToolTip("Frames per task: more frames a task saves loading the scene again")
        self.per_layer = QtWidgets.QCheckBox("A task per layer")
        self.per_layer.setToolTip("Split each chunk by render layer (layers render in parallel)")
        self.per_camera = QtWidgets.QCheckBox("A task per camera")
        self.per_camera.setToolTip("Split each chunk by renderable camera")
        split = QtWidgets.QHBoxLayout()
        split.addWidget(QtWidgets.QLabel("Frames per task"))
        split.addWidget(self.chunk)
        split.addSpacing(12)
        split.addWidget(self.per_layer)
        split.addWidget(self.per_camera)
        split.addStretch(1)
        self.retries = QtWidgets.QSpinBox()
        self.retries.setRange(-1, 100)
        self.retries.setSpecialValueText("unlimited")
        self.retries.setToolTip("How often Batch runs a failed task again")
        self.priority = QtWidgets.QSpinBox()
        self.priority.setRange(-1000, 1000)
        self.priority.setToolTip("-1000 to 1000: a pool runs higher-priority jobs' tasks first")
        self.time_limit = QtWidgets.QDoubleSpinBox()
        self.time_limit.setRange(0, 4320)
        self.time_limit.setDecimals(1)
        self.time_limit.setSuffix(" h")
        self.time_limit.setSpecialValueText("none")
        self.time_limit.setToolTip("End the job after this long, whatever is left (0: no limit)")
        limits = QtWidgets.QHBoxLayout()
        job_boxes: tuple[tuple[str, QtWidgets.QAbstractSpinBox], ...] = (
            ("Retries", self.retries),
            ("Priority", self.priority),
            ("Time limit", self.time_limit),
        )
        for label, spin in job_boxes:
            limits.addWidget(QtWidgets.QLabel(label))
            limits.addWidget(spin)
            limits.addSpacing(8)
        limits.addStretch(1)
        self.studio = QtWidgets.QLabel()
        self.studio.setWordWrap(True)
        self.over_ceiling = QtWidgets.QCheckBox("Over the ceiling: submit anyway")
        self.over_ceiling.setToolTip("The studio file allows going past its cost ceiling")

        form = QtWidgets.QFormLayout()
        form.addRow("Scene", self.scene)
        form.addRow("Renderer", self.renderer)
        form.addRow("Pool", pool_row)
        form.addRow("", self.autoscale)
        form.addRow("Frames", frames)
        form.addRow("Output prefix", self.prefix)
        form.addRow("Tasks", split)
        form.addRow("Job", limits)
        form.addRow("Studio", self.studio)
        self.scout = QtWidgets.QSpinBox()
        self.scout.setRange(0, MAX_SCOUTS)
        self.scout.setSpecialValueText("off")
        self.scout.setToolTip(
            "Render this many frames first (first, middle, last for 3) to check the look and "
            "measure the time a frame; the rest waits for Render the Rest on the Jobs tab"
        )
        self.scout_auto = QtWidgets.QCheckBox("then render the rest by itself")
        self.scout_auto.setToolTip("Start the rest once every scout frame succeeded")
        scout_row = QtWidgets.QHBoxLayout()
        scout_row.addWidget(self.scout)
        scout_row.addWidget(self.scout_auto)
        scout_row.addStretch(1)
        form.addRow("Scout frames", scout_row)

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
        layout.addWidget(self.over_ceiling)
        layout.addLayout(go)
        layout.addWidget(self.status)

        self.pool_mode.currentIndexChanged.connect(lambda _i: self._edited())
        self.pool_id.currentTextChanged.connect(lambda _t: self._edited())
        self.autoscale.max_nodes.valueChanged.connect(lambda _v: self._edited())
        self.autoscale.idle_minutes.valueChanged.connect(lambda _v: self._edited())
        for box in (self.start, self.end, self.step):
            box.valueChanged.connect(lambda _v: self._edited())
        self.prefix.editingFinished.connect(self._edited)
        for spin in (self.chunk, self.retries, self.priority):
            spin.valueChanged.connect(lambda _v: self._edited())
        self.time_limit.valueChanged.connect(lambda _v: self._edited())
        for tick in (self.per_layer, self.per_camera, self.over_ceiling):
            tick.toggled.connect(lambda _on: self._edited())
        self.scout.valueChanged.connect(lambda _v: self._edited())
        self.scout_auto.toggled.connect(lambda _on: self._edited())
        self.layers.itemChanged.connect(self._layer_changed)
        self.refresh_button.clicked.connect(controller.reset_from_scene)
        self.refresh_pools.clicked.connect(self.list_pools)
        self.submit_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self._cancel)
        controller.changed.connect(lambda _c: self.show_controller())
        controller.env.changed.connect(lambda _s: self.show_controller())
        controller.session.connection_changed.connect(lambda _c: self.show_controller())
        controller.session.connection_changed.connect(lambda _c: self.refresh_prices())
        controller.disk_on_worker = True  # what the checks need from the disk: `_read_disk`
        self.show_controller()

    # Actions ------------------------------------------------------------------------------------

    def list_pools(self) -> None:
        self.workers.start(
            lambda _report: self.controller.list_pool_ids(),
            on_done=self.controller.apply_pool_ids,
            on_error=lambda exc: set_status(self.status, f"Cannot list pools: {exc}", BAD),
        )

    def refresh_prices(self) -> None:
        """Current prices for the estimate, fetched on a worker when connected to Azure, and
        the price table read again there (never on the interface's thread)."""
        c = self.controller

        def fetch_and_read(_report: object) -> tuple[str, PriceTable | str]:
            return c.refresh_prices(), c.read_prices()

        self.workers.start(
            fetch_and_read,
            on_done=self._prices_refreshed,
            on_error=lambda exc: set_status(self.status, f"Prices not refreshed: {exc}", WARN),
        )

    def _read_disk(self) -> None:
        """The disk facts of a new scan or new asset choices, read on a worker."""
        request = self.controller.disk_request()
        if request is not None:
            self.workers.start(
                lambda _report: SubmitController.read_disk(request),
                on_done=self.controller.apply_disk,
                on_error=lambda exc: set_status(self.status, f"Cannot check files: {exc}", BAD),
            )

    def _prices_refreshed(self, done: tuple[str, PriceTable | str]) -> None:
        problem, table = done
        self.controller.apply_prices(table)  # shows the estimate again
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
        self._read_disk()
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
            self.chunk.setValue(f.chunk_size)
            self.per_layer.setChecked(f.split_layers)
            self.per_camera.setChecked(f.split_cameras)
            self.retries.setValue(f.max_task_retries)
            self.priority.setValue(f.priority)
            self.time_limit.setValue(f.time_limit_hours)
            self.over_ceiling.setChecked(f.over_ceiling)
            self._show_studio()
            self.scout.setValue(f.scout)
            self.scout_auto.setChecked(f.scout_auto)
            self.scout_auto.setEnabled(f.scout > 0)
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
        if c.disk_pending:  # first: the list below it is not whole yet
            self.findings.insertItem(0, QtWidgets.QListWidgetItem(dot(MUTED), CHECKING_FILES))
        elif c.assets.result is not None and not self.findings.count():
            self.findings.addItem(QtWidgets.QListWidgetItem(dot(GOOD), "No problems found."))
        estimate = c.estimate() if scene is not None else ""
        if isinstance(estimate, CostEstimate):
            split = f"dedicated {estimate.dedicated_cost:.2f}, Spot {estimate.spot_cost:.2f}"
            set_status(
                self.cost,
                f"Estimated cost: {estimate.total:.2f} {estimate.currency} ({split}; "
                f"{estimate.hours:.1f} h at 5 min a frame; {estimate.prices_note()})"
                + (
                    "; the scout frames measure the real time a frame before the rest runs"
                    if f.scout
                    else ""
                ),
            )
        else:
            set_status(self.cost, estimate, MUTED)
        reason = c.blocked_reason()
        busy = self.task is not None and self.task.running
        self.submit_button.setEnabled(reason is None and not busy)
        self.submit_button.setToolTip(reason or "Upload what is missing and send the job")
        if reason and not busy:
            set_status(self.status, reason, WARN if scene else MUTED)

    def _show_studio(self) -> None:
        """The studio file's rules this tab is held to, read-only, with its reason and path."""
        env = self.controller.env
        studio = env.studio
        self.over_ceiling.setVisible(studio.allow_ceiling_override)
        if env.studio_problem:
            set_status(self.studio, f"The studio file is wrong: {env.studio_problem}", BAD)
            return
        if studio.path is None:
            set_status(self.studio, "No studio file: no studio rules.", MUTED)
            return
        rules = [f"{name} {value}" for name, value in sorted(studio.locked.items())]
        if studio.allowed_vm_sizes:
            rules.append("VM sizes " + ", ".join(studio.allowed_vm_sizes))
        if studio.max_nodes is not None:
            rules.append(f"at most {studio.max_nodes} nodes")
        if studio.cost_ceiling is not None:
            rules.append(f"at most {studio.cost_ceiling:.2f} a job")
        text = "; ".join(rules) or "defaults only"
        set_status(self.studio, f"{text} (studio file {studio.path}: {studio.reason})", MUTED)

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
            chunk_size=self.chunk.value(),
            split_layers=self.per_layer.isChecked(),
            split_cameras=self.per_camera.isChecked(),
            max_task_retries=self.retries.value(),
            priority=self.priority.value(),
            time_limit_hours=self.time_limit.value(),
            over_ceiling=self.over_ceiling.isChecked(),
            autoscale_max=self.autoscale.max_nodes.value(),
            idle_minutes=self.autoscale.idle_minutes.value(),
            scout=self.scout.value(),
            scout_auto=self.scout_auto.isChecked(),
        )

    def _layer_changed(self, item: QtWidgets.QListWidgetItem) -> None:
        if not self._showing:
            name = str(item.data(QtCore.Qt.ItemDataRole.UserRole))
            on = item.checkState() == QtCore.Qt.CheckState.Checked
            self.controller.set_layer(name, on)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(f"Uploading {size_text(done)} of {size_text(total)}")

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
