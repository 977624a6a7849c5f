"""The Env tab's widgets: the route to Maya on the nodes, VM size, counts, network, licences.

A field the studio file locks is read-only, with the file's reason and path beside it."""

from __future__ import annotations

from dataclasses import replace

from azure_batch_maya.controllers.env import (
    ENTRA_FOR_GALLERY_NOTE,
    IMAGE_KINDS,
    REGISTRY_AUTHS,
    RETIRED_LICENCES_NOTE,
    EnvController,
    EnvSettings,
)
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.settings import LicenceServers, SettingsError
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, WARN, set_status
from azure_batch_maya.ui.qt import QtCore, QtWidgets

# What each route really does, said where it is chosen (docs/azure.md walks through each).
IMAGE_LABELS = {
    "install": "Install at node start (from your uploaded installers)",
    "custom": "Custom image with Maya (Azure Compute Gallery)",
    "container": "Container image with Maya",
}
ROUTE_NOTES = {
    "install": (
        "Each node starts from this marketplace image, then the pool's start task downloads the "
        "installers you uploaded (azure-batch-maya nodes installers add FILE…) and installs "
        "them silently; a failed install marks the node 'start task failed'. Maya's Linux "
        "RPMs need an RPM-based image (an EL 9 one: docs/azure.md)."
    ),
    "custom": (
        "Nodes start from your image version, with Maya and the renderers already installed "
        "(images/packer builds one). " + ENTRA_FOR_GALLERY_NOTE
    ),
    "container": (
        "Nodes start from a Docker host image and pull your image (images/docker builds one); "
        "every task, the input download included, runs inside it."
    ),
}
REGISTRY_LABELS = {
    "none": "Public (no sign-in)",
    "identity": "Managed identity of the pool (Azure Container Registry)",
    "password": "User and password (password kept in the OS keyring)",
}
PUBLIC_IP_CHOICES = (
    ("batchmanaged", "Batch-managed public IPs"),
    ("nopublicipaddresses", "No public IPs (the subnet reaches Batch and Storage)"),
)
LICENCES = (
    ("autodesk", "Autodesk (Arnold 6+, plug-ins)", "27000@licence.example.com"),
    ("arnold_rlm", "Arnold (RLM, before Arnold 6)", "5053@licence.example.com"),
    ("vray", "V-Ray", "30304@licence.example.com"),
    ("redshift", "Redshift (RLM)", "5054@licence.example.com"),
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
        self.route_note = QtWidgets.QLabel()
        self.route_note.setWordWrap(True)
        self.publisher = QtWidgets.QLineEdit()
        self.offer = QtWidgets.QLineEdit()
        self.sku = QtWidgets.QLineEdit()
        self.node_agent = QtWidgets.QLineEdit()
        self.custom_image = QtWidgets.QLineEdit()
        self.custom_image.setPlaceholderText(
            "/subscriptions/…/galleries/…/images/maya-2026/versions/1.0.0"
        )
        self.custom_agent = QtWidgets.QLineEdit()
        self.container_image = QtWidgets.QLineEdit()
        self.container_image.setPlaceholderText("myregistry.azurecr.io/maya:2026")
        self.container_host = QtWidgets.QLineEdit()
        self.container_host.setToolTip("publisher:offer:sku of an image with Docker")
        self.container_agent = QtWidgets.QLineEdit()
        self.registry_server = QtWidgets.QLineEdit()
        self.registry_server.setPlaceholderText("myregistry.azurecr.io")
        self.registry_auth = QtWidgets.QComboBox()
        for auth in REGISTRY_AUTHS:
            self.registry_auth.addItem(REGISTRY_LABELS[auth], auth)
        self.registry_identity = QtWidgets.QLineEdit()
        self.registry_identity.setPlaceholderText(
            "/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/…"
        )
        self.registry_user = QtWidgets.QLineEdit()
        self.registry_password = QtWidgets.QLineEdit()
        self.registry_password.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
        self.registry_password.setPlaceholderText("saved to the OS keyring when you press Enter")
        self.subnet = QtWidgets.QLineEdit()
        self.subnet.setPlaceholderText(
            "/subscriptions/…/virtualNetworks/…/subnets/… (optional: to reach licence servers)"
        )
        self.public_ips = QtWidgets.QComboBox()
        for value, label in PUBLIC_IP_CHOICES:
            self.public_ips.addItem(label, value)
        self.vm_size = QtWidgets.QComboBox()
        self.vm_size.setEditable(True)
        # The price table's sizes in the list: filled when a worker has read the table.
        self._sizes_shown: tuple[str, ...] | None = None
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
        route = QtWidgets.QGroupBox("How the nodes get Maya")
        route_layout = QtWidgets.QVBoxLayout(route)
        route_layout.addWidget(self.image_kind)
        route_layout.addWidget(self._lock_note("image_kind"))
        route_layout.addWidget(self.route_note)
        self.route_pages = QtWidgets.QStackedWidget()
        install = QtWidgets.QWidget()
        form = _page_form(install)
        form.addRow("Publisher", self.publisher)
        form.addRow("Offer", self.offer)
        form.addRow("SKU", self.sku)
        form.addRow("Node agent SKU", self.node_agent)
        custom = QtWidgets.QWidget()
        form = _page_form(custom)
        form.addRow("Image version id", self.custom_image)
        form.addRow("", self._lock_note("custom_image_id"))
        form.addRow("Node agent SKU", self.custom_agent)
        container = QtWidgets.QWidget()
        form = _page_form(container)
        form.addRow("Container image", self.container_image)
        form.addRow("", self._lock_note("container_image"))
        form.addRow("Host image", self.container_host)
        form.addRow("Node agent SKU", self.container_agent)
        form.addRow("Registry", self.registry_server)
        form.addRow("Registry sign-in", self.registry_auth)
        form.addRow("Identity id", self.registry_identity)
        form.addRow("User", self.registry_user)
        form.addRow("Password", self.registry_password)
        for page in (install, custom, container):
            self.route_pages.addWidget(page)
        route_layout.addWidget(self.route_pages)

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
        form2.addRow("Subnet", self.subnet)
        form2.addRow("Public IPs", self.public_ips)
        form2.addRow("", self._lock_note("subnet_id"))

        licences = QtWidgets.QGroupBox("Licence servers (port@host)")
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
        note = QtWidgets.QLabel(
            "Pay-per-use licences ended in Feb 2024: bring your own servers, reached through "
            "the subnet. Maya itself needs none to render."
        )
        note.setWordWrap(True)
        note.setToolTip(RETIRED_LICENCES_NOTE)
        set_status(note, note.text(), MUTED)
        grid.addWidget(note, len(LICENCES), 0, 1, 2)
        grid.addWidget(self._lock_note("licences"), len(LICENCES) + 1, 0, 1, 2)

        variables = QtWidgets.QGroupBox("Environment variables on the nodes")
        self.variables = QtWidgets.QTableWidget(0, 2)
        self.variables.setHorizontalHeaderLabels(["Name", "Value"])
        self.variables.horizontalHeader().setStretchLastSection(True)
        self.variables.verticalHeader().setVisible(False)
        self.variables.setMinimumHeight(70)
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
        layout.addWidget(route)
        layout.addWidget(nodes)
        layout.addWidget(licences)
        layout.addWidget(variables, 1)
        layout.addWidget(self.status)

        self.image_kind.currentIndexChanged.connect(lambda _i: self._save())
        self.registry_auth.currentIndexChanged.connect(lambda _i: self._save())
        self.public_ips.currentIndexChanged.connect(lambda _i: self._save())
        for edit in (
            self.publisher,
            self.offer,
            self.sku,
            self.node_agent,
            self.custom_image,
            self.custom_agent,
            self.container_image,
            self.container_host,
            self.container_agent,
            self.registry_server,
            self.registry_identity,
            self.registry_user,
            self.subnet,
            *self.licence_server.values(),
        ):
            edit.editingFinished.connect(self._save)
        self.registry_password.returnPressed.connect(self._save_password)
        self.vm_size.currentTextChanged.connect(lambda _t: self._save())
        self.dedicated.valueChanged.connect(lambda _v: self._save())
        self.spot.valueChanged.connect(lambda _v: self._save())
        self.variables.itemChanged.connect(lambda _item: self._save_variables())
        add.clicked.connect(self._add_variable)
        remove.clicked.connect(self._remove_variable)
        controller.changed.connect(lambda _s: self.show_controller())
        session.scene_changed.connect(lambda _s: self._show_licences_needed())
        session.connection_changed.connect(lambda _c: self.show_controller())
        self.show_controller()

    def show_controller(self) -> None:
        self._showing = True
        try:
            s = self.controller.settings
            kind = s.image_kind
            self.image_kind.setCurrentIndex(IMAGE_KINDS.index(kind))
            self.route_note.setText(ROUTE_NOTES[kind])
            self._show_page(IMAGE_KINDS.index(kind))
            self.publisher.setText(s.publisher)
            self.offer.setText(s.offer)
            self.sku.setText(s.sku)
            self.node_agent.setText(s.node_agent_sku)
            self.custom_image.setText(s.custom_image_id)
            self.custom_agent.setText(s.custom_node_agent)
            self.container_image.setText(s.container_image)
            self.container_host.setText(s.container_host)
            self.container_agent.setText(s.container_node_agent)
            self.registry_server.setText(s.registry_server)
            self.registry_auth.setCurrentIndex(REGISTRY_AUTHS.index(s.registry_auth))
            self.registry_identity.setText(s.registry_identity)
            self.registry_user.setText(s.registry_username)
            self.registry_identity.setEnabled(s.registry_auth == "identity")
            for widget in (self.registry_user, self.registry_password):
                widget.setEnabled(s.registry_auth == "password")
            self.subnet.setText(s.subnet_id)
            self.public_ips.setCurrentIndex(max(0, self.public_ips.findData(s.public_ips)))
            if self.controller.sizes != self._sizes_shown:  # not while the artist types one
                self._sizes_shown = self.controller.sizes
                self.vm_size.blockSignals(True)
                self.vm_size.clear()
                self.vm_size.addItems(self.controller.vm_sizes())
                self.vm_size.blockSignals(False)
            self.vm_size.setCurrentText(s.vm_size)
            self.dedicated.setValue(s.dedicated_nodes)
            self.spot.setValue(s.spot_nodes)
            for key, edit in self.licence_server.items():
                edit.setText(getattr(s.licences, key) or "")
            self.variables.setRowCount(len(s.environment))
            for row, (name, value) in enumerate(s.environment):
                self.variables.setItem(row, 0, QtWidgets.QTableWidgetItem(name))
                self.variables.setItem(row, 1, QtWidgets.QTableWidgetItem(value))
            try:
                s.check()
                self._show_sign_in_note()
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
            "subnet_id": [self.subnet],
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

    def _show_sign_in_note(self) -> None:
        """A custom image with an account-key sign-in: say now what submit would refuse."""
        connection = self.session.connection
        keys_only = connection is not None and not connection.local and not connection.entra
        if self.controller.settings.image_kind == "custom" and keys_only:
            set_status(
                self.status,
                "You are signed in with account keys: " + ENTRA_FOR_GALLERY_NOTE,
                WARN,
            )
        else:
            self.status.clear()

    def _show_page(self, index: int) -> None:
        """Only the current route's fields take room (a stack sizes to its largest page)."""
        policy = QtWidgets.QSizePolicy.Policy
        for i in range(self.route_pages.count()):
            page = self.route_pages.widget(i)
            if page is not None:
                shown = policy.Preferred if i == index else policy.Ignored
                page.setSizePolicy(shown, shown)
        self.route_pages.setCurrentIndex(index)
        self.route_pages.adjustSize()

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
            node_agent_sku=self.node_agent.text(),
            custom_image_id=self.custom_image.text(),
            custom_node_agent=self.custom_agent.text(),
            container_image=self.container_image.text(),
            container_host=self.container_host.text(),
            container_node_agent=self.container_agent.text(),
            registry_server=self.registry_server.text().strip(),
            registry_auth=self.registry_auth.currentData(),
            registry_identity=self.registry_identity.text().strip(),
            registry_username=self.registry_user.text().strip(),
            subnet_id=self.subnet.text().strip(),
            public_ips=self.public_ips.currentData(),
            vm_size=self.vm_size.currentText().strip(),
            dedicated_nodes=self.dedicated.value(),
            spot_nodes=self.spot.value(),
            licences=licences,
        )
        if settings != self.controller.settings:
            self.controller.update(**_changes(self.controller.settings, settings))

    def _save_password(self) -> None:
        """The registry password goes to the OS keyring at once and leaves the field."""
        self._save()
        try:
            self.controller.set_registry_password(self.registry_password.text())
        except SettingsError as exc:
            set_status(self.status, str(exc), BAD)
            return
        self.registry_password.clear()
        set_status(self.status, "Registry password saved in the OS keyring.", GOOD)

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


def _page_form(page: QtWidgets.QWidget) -> QtWidgets.QFormLayout:
    form = QtWidgets.QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    return form


def _changes(old: EnvSettings, new: EnvSettings) -> dict[str, object]:
    return {
        name: getattr(new, name)
        for name in EnvSettings.__dataclass_fields__
        if getattr(old, name) != getattr(new, name)
    }
