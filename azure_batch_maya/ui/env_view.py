"""The Env tab's widgets: image, node agent, VM size, node counts, licences, variables.

A field the studio file locks is read-only, with the file's reason and path beside it."""

from __future__ import annotations

from dataclasses import replace

from azure_batch_maya.controllers.env import (
    IMAGE_KINDS,
    RETIRED_LICENCES_NOTE,
    EnvController,
    EnvSettings,
)
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.settings import LicenceServers, SettingsError
from azure_batch_maya.ui.icons import BAD, MUTED, set_status
from azure_batch_maya.ui.qt import QtCore, QtWidgets

IMAGE_LABELS = {
    "marketplace": "Marketplace image (a start task installs Maya)",
    "custom": "Custom image with Maya (Azure Compute Gallery)",
    "container": "Container image",
}
LICENCES = (
    ("autodesk", "Maya (Autodesk)", "27000@licence.example.com"),
    ("arnold_rlm", "Arnold (RLM, before Arnold 6)", "5053@licence.example.com"),
    ("vray", "V-Ray", "licset://licence.example.com:30304"),
    ("redshift", "Redshift", "licence server"),
)


class EnvView(QtWidgets.QWidget):
    def __init__(self, controller: EnvController, session: Session) -> None:
        super().__init__()
        self.controller = controller
        self.session = session
        self._showing = False

        self.image_kind = QtWidgets.QComboBox()
        for kind in IMAGE_KINDS:
            self.image_kind.addItem(IMAGE_LABELS[kind], kind)
        self.publisher = QtWidgets.QLineEdit()
        self.offer = QtWidgets.QLineEdit()
        self.sku = QtWidgets.QLineEdit()
        self.custom_image = QtWidgets.QLineEdit()
        self.custom_image.setPlaceholderText(
            "/subscriptions/…/galleries/…/images/maya-2025/versions/1.0.0"
        )
        self.container_image = QtWidgets.QLineEdit()
        self.container_image.setPlaceholderText("myregistry.azurecr.io/maya:2025")
        self.node_agent = QtWidgets.QLineEdit()
        self.vm_size = QtWidgets.QComboBox()
        self.vm_size.setEditable(True)
        self.vm_size.addItems(controller.vm_sizes())
        completer = self.vm_size.completer()
        if completer is not None:
            completer.setFilterMode(QtCore.Qt.MatchFlag.MatchContains)
            completer.setCaseSensitivity(QtCore.Qt.CaseSensitivity.CaseInsensitive)
        self.dedicated = QtWidgets.QSpinBox()
        self.dedicated.setRange(0, 1000)
        self.spot = QtWidgets.QSpinBox()
        self.spot.setRange(0, 1000)
        self.spot.setToolTip("Spot nodes cost less but can be taken back at any time")

        self.lock_notes: dict[str, QtWidgets.QLabel] = {}
        image = QtWidgets.QGroupBox("Render node image")
        form = QtWidgets.QFormLayout(image)
        form.addRow("Image", self.image_kind)
        form.addRow("", self._lock_note("image_kind"))
        form.addRow("Publisher", self.publisher)
        form.addRow("Offer", self.offer)
        form.addRow("SKU", self.sku)
        form.addRow("Custom image id", self.custom_image)
        form.addRow("", self._lock_note("custom_image_id"))
        form.addRow("Container image", self.container_image)
        form.addRow("", self._lock_note("container_image"))
        form.addRow("Node agent SKU", self.node_agent)
        nodes = QtWidgets.QGroupBox("Nodes")
        form2 = QtWidgets.QFormLayout(nodes)
        form2.addRow("VM size", self.vm_size)
        form2.addRow("", self._lock_note("vm_size"))
        counts = QtWidgets.QHBoxLayout()
        counts.addWidget(QtWidgets.QLabel("Dedicated"))
        counts.addWidget(self.dedicated)
        counts.addSpacing(12)
        counts.addWidget(QtWidgets.QLabel("Spot"))
        counts.addWidget(self.spot)
        counts.addStretch(1)
        form2.addRow("Nodes", counts)
        for name in ("dedicated_nodes", "spot_nodes", "spot_share"):
            form2.addRow("", self._lock_note(name))

        licences = QtWidgets.QGroupBox("Licence servers")
        licences.setToolTip(RETIRED_LICENCES_NOTE)
        grid = QtWidgets.QGridLayout(licences)
        self.licence_needed: dict[str, QtWidgets.QCheckBox] = {}
        self.licence_server: dict[str, QtWidgets.QLineEdit] = {}
        for row, (key, label, hint) in enumerate(LICENCES):
            box = QtWidgets.QCheckBox(label)
            # Ticked by the detected renderer, not by a click.
            box.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            box.setToolTip("Ticked when the scene's renderer needs it. " + RETIRED_LICENCES_NOTE)
            edit = QtWidgets.QLineEdit()
            edit.setPlaceholderText(hint)
            edit.setToolTip(RETIRED_LICENCES_NOTE)
            self.licence_needed[key] = box
            self.licence_server[key] = edit
            grid.addWidget(box, row, 0)
            grid.addWidget(edit, row, 1)
        note = QtWidgets.QLabel("Pay-per-use licences ended in Feb 2024: bring your own servers.")
        note.setToolTip(RETIRED_LICENCES_NOTE)
        set_status(note, note.text(), MUTED)
        grid.addWidget(note, len(LICENCES), 0, 1, 2)
        grid.addWidget(self._lock_note("licences"), len(LICENCES) + 1, 0, 1, 2)

        variables = QtWidgets.QGroupBox("Environment variables on the nodes")
        self.variables = QtWidgets.QTableWidget(0, 2)
        self.variables.setHorizontalHeaderLabels(["Name", "Value"])
        self.variables.horizontalHeader().setStretchLastSection(True)
        self.variables.verticalHeader().setVisible(False)
        self.variables.setMinimumHeight(90)
        add = QtWidgets.QPushButton("Add")
        remove = QtWidgets.QPushButton("Remove")
        side = QtWidgets.QVBoxLayout()
        side.addWidget(add)
        side.addWidget(remove)
        side.addStretch(1)
        table_row = QtWidgets.QHBoxLayout(variables)
        table_row.addWidget(self.variables)
        table_row.addLayout(side)

        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(image)
        layout.addWidget(nodes)
        layout.addWidget(licences)
        layout.addWidget(variables, 1)
        layout.addWidget(self.status)

        self.image_kind.currentIndexChanged.connect(lambda _i: self._save())
        for edit in (
            self.publisher,
            self.offer,
            self.sku,
            self.custom_image,
            self.container_image,
            self.node_agent,
            *self.licence_server.values(),
        ):
            edit.editingFinished.connect(self._save)
        self.vm_size.currentTextChanged.connect(lambda _t: self._save())
        self.dedicated.valueChanged.connect(lambda _v: self._save())
        self.spot.valueChanged.connect(lambda _v: self._save())
        self.variables.itemChanged.connect(lambda _item: self._save_variables())
        add.clicked.connect(self._add_variable)
        remove.clicked.connect(self._remove_variable)
        controller.changed.connect(lambda _s: self.show_controller())
        session.scene_changed.connect(lambda _s: self._show_licences_needed())
        self.show_controller()

    def show_controller(self) -> None:
        self._showing = True
        try:
            s = self.controller.settings
            self.image_kind.setCurrentIndex(IMAGE_KINDS.index(s.image_kind))
            self.publisher.setText(s.publisher)
            self.offer.setText(s.offer)
            self.sku.setText(s.sku)
            self.custom_image.setText(s.custom_image_id)
            self.container_image.setText(s.container_image)
            self.node_agent.setText(s.node_agent_sku)
            self.vm_size.setCurrentText(s.vm_size)
            self.dedicated.setValue(s.dedicated_nodes)
            self.spot.setValue(s.spot_nodes)
            for key, edit in self.licence_server.items():
                edit.setText(getattr(s.licences, key) or "")
            self.variables.setRowCount(len(s.environment))
            for row, (name, value) in enumerate(s.environment):
                self.variables.setItem(row, 0, QtWidgets.QTableWidgetItem(name))
                self.variables.setItem(row, 1, QtWidgets.QTableWidgetItem(value))
            kind = s.image_kind
            for widget in (self.publisher, self.offer, self.sku):
                widget.setEnabled(kind in ("marketplace", "container"))
            self.custom_image.setEnabled(kind == "custom")
            self.container_image.setEnabled(kind == "container")
            try:
                s.image()
                self.status.clear()
                if self.controller.problem:  # a saved file that could not be read
                    set_status(self.status, self.controller.problem, BAD)
            except SettingsError as exc:
                set_status(self.status, str(exc), BAD)
            self._show_locks()
        finally:
            self._showing = False
        self._show_licences_needed()

    def _lock_note(self, name: str) -> QtWidgets.QLabel:
        label = QtWidgets.QLabel()
        label.setWordWrap(True)
        label.setVisible(False)
        self.lock_notes[name] = label
        return label

    def _lockable(self) -> dict[str, list[QtWidgets.QWidget]]:
        """EnvSettings field → the widgets that set it."""
        return {
            "image_kind": [self.image_kind],
            "custom_image_id": [self.custom_image],
            "container_image": [self.container_image],
            "vm_size": [self.vm_size],
            "licences": list(self.licence_server.values()),
            "dedicated_nodes": [self.dedicated],
            "spot_nodes": [self.spot],
        }

    def _show_locks(self) -> None:
        """Locked fields read-only, each with the studio file's note beside it."""
        notes = self.controller.lock_notes()
        for name, widgets in self._lockable().items():
            note = notes.get(name)
            for widget in widgets:
                if isinstance(widget, (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox)):
                    widget.setReadOnly(note is not None)
                else:
                    widget.setEnabled(note is None)
                if note is not None:
                    widget.setToolTip(note)
        for name, label in self.lock_notes.items():
            note = notes.get(name)
            label.setVisible(note is not None)
            if note is not None:
                set_status(label, note, MUTED)

    def _show_licences_needed(self) -> None:
        scene = self.session.scene
        needed = self.controller.licences_for(scene.renderer) if scene else ()
        for key, box in self.licence_needed.items():
            box.setChecked(key in needed)

    def _save(self) -> None:
        if self._showing:
            return
        licences = LicenceServers(
            **{k: e.text().strip() or None for k, e in self.licence_server.items()}
        )
        settings = replace(
            self.controller.settings,
            image_kind=self.image_kind.currentData(),
            publisher=self.publisher.text(),
            offer=self.offer.text(),
            sku=self.sku.text(),
            custom_image_id=self.custom_image.text(),
            container_image=self.container_image.text(),
            node_agent_sku=self.node_agent.text(),
            vm_size=self.vm_size.currentText().strip(),
            dedicated_nodes=self.dedicated.value(),
            spot_nodes=self.spot.value(),
            licences=licences,
        )
        if settings != self.controller.settings:
            self.controller.update(**_changes(self.controller.settings, settings))

    def _save_variables(self) -> None:
        if self._showing:
            return
        pairs = []
        for row in range(self.variables.rowCount()):
            name, value = self.variables.item(row, 0), self.variables.item(row, 1)
            pairs.append((name.text() if name else "", value.text() if value else ""))
        try:
            self.controller.set_environment(pairs)
        except SettingsError as exc:
            set_status(self.status, str(exc), BAD)

    def _add_variable(self) -> None:
        self._showing = True
        row = self.variables.rowCount()
        self.variables.insertRow(row)
        self.variables.setItem(row, 0, QtWidgets.QTableWidgetItem(""))
        self.variables.setItem(row, 1, QtWidgets.QTableWidgetItem(""))
        self._showing = False
        name = self.variables.item(row, 0)
        if name is not None:
            self.variables.editItem(name)

    def _remove_variable(self) -> None:
        row = self.variables.currentRow()
        if row >= 0:
            self._showing = True
            self.variables.removeRow(row)
            self._showing = False
            self._save_variables()


def _changes(old: EnvSettings, new: EnvSettings) -> dict[str, object]:
    return {
        name: getattr(new, name)
        for name in EnvSettings.__dataclass_fields__
        if getattr(old, name) != getattr(new, name)
    }
