"""The panel: six tabs (Config, Submit, Assets, Pools, Jobs, Env), each a view over its
controller, all sharing one Session (the scene and the connection) and one worker pool."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from azure_batch_maya.app.submit import Submitted
from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.jobs import JobsController
from azure_batch_maya.controllers.pools import PoolsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.controllers.submit import SubmitController
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services.settings import Secrets
from azure_batch_maya.settings.studio import PresetsError, load_studio
from azure_batch_maya.ui.assets_view import AssetsView
from azure_batch_maya.ui.config_view import ConfigView
from azure_batch_maya.ui.env_view import EnvView
from azure_batch_maya.ui.icons import BAD, MUTED, set_status
from azure_batch_maya.ui.jobs_view import JobsView
from azure_batch_maya.ui.pools_view import PoolsView
from azure_batch_maya.ui.qt import QtCore, QtGui, QtWidgets
from azure_batch_maya.ui.submit_view import SubmitView
from azure_batch_maya.ui.worker import Workers

OBJECT_NAME = "AzureBatchPanel"
TABS = ("config", "submit", "assets", "pools", "jobs", "env")


@dataclass
class Controllers:
    session: Session
    config: ConfigController
    env: EnvController
    assets: AssetsController
    submit: SubmitController
    pools: PoolsController
    jobs: JobsController


def make_controllers(
    scene: SceneInfo | None = None,
    *,
    base: SubmitSettings | None = None,
    output_root: Path | None = None,
) -> Controllers:
    """Every tab's controller over one session; saved settings loaded."""
    session = Session(scene)
    config = ConfigController(session)
    config.load()
    try:
        env = EnvController(studio=load_studio())
    except PresetsError as exc:  # shown at the top of the panel; submitting stops on it
        env = EnvController(studio_problem=str(exc))
    env.load()
    assets = AssetsController(session)
    submit = SubmitController(session, assets, env, base=base)
    return Controllers(
        session,
        config,
        env,
        assets,
        submit,
        PoolsController(session),
        JobsController(session, output_root=output_root),
    )


class Panel(QtWidgets.QWidget):
    """The tabbed panel; Maya docks it in a workspaceControl, `ui` shows it as a window."""

    def __init__(self, controllers: Controllers, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(OBJECT_NAME)
        self.setWindowTitle("Azure Batch")
        self.controllers = controllers
        self.workers = Workers()
        c = controllers
        c.submit.prices_pending = True  # read on a worker, never on the interface's thread
        self.workers.start(lambda _report: c.submit.read_prices(), on_done=c.submit.apply_prices)
        self.config = ConfigView(c.config, self.workers)
        self.submit = SubmitView(c.submit, self.workers)
        self.assets = AssetsView(c.assets, self.workers)
        self.pools = PoolsView(c.pools, self.workers)
        self.jobs = JobsView(c.jobs, self.workers)
        self.env = EnvView(c.env, c.session)
        self.tabs = QtWidgets.QTabWidget()
        for view, label in (
            (self.config, "Config"),
            (self.submit, "Submit"),
            (self.assets, "Assets"),
            (self.pools, "Pools"),
            (self.jobs, "Jobs"),
            (self.env, "Env"),
        ):
            self.tabs.addTab(view, label)
        self.studio_problem = QtWidgets.QLabel()  # a wrong studio file, above every tab
        self.studio_problem.setWordWrap(True)
        self.studio_problem.setTextInteractionFlags(
            QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.where = QtWidgets.QLabel()
        self.where.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.studio_problem)
        layout.addWidget(self.tabs)
        layout.addWidget(self.where)
        self.submit.submitted = self._submitted
        self.pools.pool_checked = lambda _pool: c.submit.pool_checked()
        c.session.scene_changed.connect(lambda _scene: self.assets.scan())
        c.session.scene_changed.connect(lambda _scene: self.recall_submit_choices())
        problem = c.env.studio_problem
        if problem:
            set_status(self.studio_problem, f"The studio file is wrong: {problem}", BAD)
        self.studio_problem.setVisible(bool(problem))
        self.tabs.currentChanged.connect(self._tab_changed)
        c.session.scene_changed.connect(lambda _s: self._show_where())
        c.session.connection_changed.connect(lambda _c: self._show_where())
        self._show_where()
        self.resize(720, 760)
        if c.session.scene is not None:
            self.assets.scan()
            self.recall_submit_choices()

    def recall_submit_choices(self) -> None:
        """The Submit tab's last choices for this scene, read on a worker."""
        submit = self.controllers.submit
        self.workers.start(lambda _report: submit.recall(), on_done=submit.apply_recalled)

    def show_tab(self, name: str) -> None:
        self.tabs.setCurrentIndex(TABS.index(name))

    def authenticate_if_configured(self) -> None:
        """Sign in with saved settings at start (keys read on a worker), so the lists fill
        without a click."""
        config = self.controllers.config
        if not (config.fields.batch_url and config.fields.batch_account):
            return

        def keys_read(keys: Secrets | str) -> None:
            config.apply_keys(keys)
            if not isinstance(keys, str):
                self.config.authenticate()

        self.workers.start(lambda _report: config.read_keys(), on_done=keys_read)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self.workers.cancel_all()  # uploads, downloads, a submission, a node check
        self.pools.timer.stop()
        self.jobs.timer.stop()
        super().closeEvent(event)

    def _submitted(self, submitted: Submitted) -> None:
        self.controllers.jobs.follow(submitted.job_id)
        self.controllers.jobs.select(submitted.job_id)
        self.show_tab("jobs")
        self.jobs.refresh()

    def _show_where(self) -> None:
        session = self.controllers.session
        scene = Path(session.scene.scene).name if session.scene else "no scene"
        where = session.connection.where if session.connection else "not connected"
        set_status(self.where, f"{scene}  ·  {where}", MUTED)

    def _tab_changed(self, index: int) -> None:
        name = TABS[index]
        if name == "pools":
            self.pools.refresh()
        elif name == "jobs":
            self.jobs.refresh()
