"""The Submit tab offers the node check before the first job on a pool never checked."""

from __future__ import annotations

from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.settings.preferences import mark_checked
from tests.controllers.test_submit import make


def test_an_unchecked_pool_gets_a_notice_until_it_is_checked(home, scene, tmp_path):
    session = Session(scene)
    assets, _env, submit = make(session, tmp_path)
    assets.apply_scan(assets.scan())
    assert [f for f in submit.findings() if f.code == "pool"] == []  # an auto-pool: nothing

    submit.update(pool_mode="existing", pool_id="render-pool")
    (notice,) = [f for f in submit.findings() if f.code == "pool"]
    assert notice.level == "notice"
    assert "`azure-batch-maya pools check render-pool`" in notice.message
    assert "Check Nodes on the Pools tab" in notice.message
    mark_checked("render-pool")
    submit.pool_checked()  # what the panel does when the Pools tab's check ends
    assert [f for f in submit.findings() if f.code == "pool"] == []

    _a, _e, stand_in = make(session, tmp_path, base=SubmitSettings(stand_in=True))
    stand_in.update(pool_mode="existing", pool_id="other-pool")
    _a.apply_scan(_a.scan())
    assert [f for f in stand_in.findings() if f.code == "pool"] == []  # no Maya needed
