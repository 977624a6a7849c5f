"""The Config tab's widgets: sign-in mode, account fields (keys masked), Authenticate."""

from __future__ import annotations

from azure_batch_maya.controllers.config import AuthResult, ConfigController, ConfigFields
from azure_batch_maya.controllers.env import ENTRA_FOR_GALLERY_NOTE
from azure_batch_maya.services.settings import AuthMode, SignInMethod
from azure_batch_maya.ui.icons import BAD, GOOD, MUTED, WARN, set_status
from azure_batch_maya.ui.qt import QtWidgets
from azure_batch_maya.ui.worker import Workers

MODES = (("Account keys", AuthMode.SHARED_KEY), ("Entra ID sign-in", AuthMode.ENTRA))
SIGN_INS = (
    ("In the browser", SignInMethod.BROWSER),
    ("With a device code", SignInMethod.DEVICE_CODE),
    ("Azure CLI, environment or managed identity", SignInMethod.DEFAULT),
)


class ConfigView(QtWidgets.QWidget):
    def __init__(self, controller: ConfigController, workers: Workers) -> None:
        super().__init__()
        self.controller = controller
        self.workers = workers
        self.mode = QtWidgets.QComboBox()
        for label, mode in MODES:
            self.mode.addItem(label, mode.value)
        self.batch_url = QtWidgets.QLineEdit()
        self.batch_url.setPlaceholderText("https://myaccount.westeurope.batch.azure.com")
        self.batch_account = QtWidgets.QLineEdit()
        self.batch_key = _secret()
        self.storage_account = QtWidgets.QLineEdit()
        self.storage_key = _secret()
        self.connection_string = _secret()
        self.connection_string.setPlaceholderText("instead of account and key (optional)")
        self.sign_in = QtWidgets.QComboBox()
        for label, method in SIGN_INS:
            self.sign_in.addItem(label, method.value)
        self.tenant = QtWidgets.QLineEdit()
        self.tenant.setPlaceholderText("your organisation's tenant (optional)")

        batch = QtWidgets.QGroupBox("Batch account")
        form = QtWidgets.QFormLayout(batch)
        form.addRow("Account URL", self.batch_url)
        form.addRow("Account name", self.batch_account)
        form.addRow("Key", self.batch_key)
        storage = QtWidgets.QGroupBox("Storage account")
        form2 = QtWidgets.QFormLayout(storage)
        form2.addRow("Account name", self.storage_account)
        form2.addRow("Key", self.storage_key)
        form2.addRow("Connection string", self.connection_string)
        sign_in = QtWidgets.QFormLayout()
        sign_in.addRow("Sign in with", self.mode)
        sign_in.addRow("Entra ID", self.sign_in)
        sign_in.addRow("Tenant", self.tenant)

        self.local_button = QtWidgets.QPushButton("Use Local Pool")
        self.local_button.setToolTip(
            "Fill in the local pool on this machine (`azure-batch-maya local up`): "
            "a free place to try a whole job before paying for Azure"
        )
        self.authenticate_button = QtWidgets.QPushButton("Authenticate")
        self.authenticate_button.setDefault(True)
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        note = QtWidgets.QLabel(
            "Keys are kept in your operating system's keyring, never in a file. "
            "A pool from a custom image (Azure Compute Gallery) needs an Entra ID sign-in."
        )
        note.setWordWrap(True)
        note.setToolTip(ENTRA_FOR_GALLERY_NOTE)
        set_status(note, note.text(), MUTED)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        buttons.addWidget(self.authenticate_button)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(sign_in)
        layout.addWidget(batch)
        layout.addWidget(storage)
        layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.mode.currentIndexChanged.connect(lambda _i: self._mode_changed())
        self.local_button.clicked.connect(self._use_local_pool)
        self.authenticate_button.clicked.connect(lambda: self.authenticate())
        controller.changed.connect(lambda _c: self.show_controller())
        self.show_controller()

    def show_controller(self) -> None:
        f = self.controller.fields
        self.mode.setCurrentIndex(0 if f.auth_mode is AuthMode.SHARED_KEY else 1)
        self.batch_url.setText(f.batch_url)
        self.batch_account.setText(f.batch_account)
        self.batch_key.setText(f.batch_key)
        self.storage_account.setText(f.storage_account)
        self.storage_key.setText(f.storage_key)
        self.connection_string.setText(f.storage_connection_string)
        self.tenant.setText(f.tenant_id)
        self.sign_in.setCurrentIndex([m for _, m in SIGN_INS].index(f.sign_in))
        c = self.controller
        colour = BAD
        if c.authenticated:
            saved = c.keys_saved or c.fields.auth_mode is AuthMode.ENTRA
            colour = GOOD if saved else WARN
        elif c.status == ConfigController.NOT_CONNECTED:
            colour = MUTED
        set_status(self.status, self.controller.status, colour)
        self._mode_changed()

    def authenticate(self, *, save: bool = True) -> None:
        self.controller.fields = self._fields()
        self.authenticate_button.setEnabled(False)
        set_status(self.status, "Checking the Batch and storage accounts…", MUTED)
        self.workers.start(
            lambda report: self.controller.authenticate(save=save, say=report.say),
            on_done=self._authenticated,
            on_error=lambda exc: self._authenticated(AuthResult(None, f"Cannot connect: {exc}")),
            on_message=lambda text: set_status(self.status, text, WARN),
        )

    def _authenticated(self, result: AuthResult) -> None:
        self.authenticate_button.setEnabled(True)
        self.controller.apply(result)

    def _use_local_pool(self) -> None:
        self.controller.use_local_pool()

    def _mode_changed(self) -> None:
        keys = self.mode.currentData() == AuthMode.SHARED_KEY.value
        for widget in (self.batch_key, self.storage_key, self.connection_string):
            widget.setEnabled(keys)
        self.tenant.setEnabled(not keys)
        self.sign_in.setEnabled(not keys)

    def _fields(self) -> ConfigFields:
        return ConfigFields(
            auth_mode=AuthMode(self.mode.currentData()),
            batch_url=self.batch_url.text(),
            batch_account=self.batch_account.text(),
            batch_key=self.batch_key.text(),
            storage_account=self.storage_account.text(),
            storage_key=self.storage_key.text(),
            storage_connection_string=self.connection_string.text(),
            tenant_id=self.tenant.text(),
            sign_in=SignInMethod(self.sign_in.currentData()),
        )


def _secret() -> QtWidgets.QLineEdit:
    edit = QtWidgets.QLineEdit()
    edit.setEchoMode(QtWidgets.QLineEdit.EchoMode.Password)
    return edit
