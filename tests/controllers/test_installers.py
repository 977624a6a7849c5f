"""The installers controller against the local pool's Azurite: add with progress, list, remove,
and a cancelled add that lists nothing."""

from __future__ import annotations

import os
import threading
import uuid

import pytest

from azure_batch_maya.controllers.installers import InstallersController
from azure_batch_maya.services.errors import TransferCancelledError


def test_add_list_remove_and_cancel(connected, tmp_path):
    controller = InstallersController(connected)
    seen: list[int] = []
    rpm = tmp_path / f"maya-{uuid.uuid4().hex[:8]}.rpm"
    rpm.write_bytes(os.urandom(50_000))
    seen_changes: list[int] = []
    controller.changed.connect(lambda c: seen_changes.append(len(c.installers)))
    report = controller.add([rpm], progress=lambda done, _total: seen.append(done))
    assert report.uploaded_bytes == 50_000 and seen[-1] == 50_000
    controller.apply(controller.list_installers())
    assert rpm.name in [i.name for i in controller.installers] and seen_changes

    cancelled = threading.Event()
    cancelled.set()
    other = tmp_path / f"mtoa-{uuid.uuid4().hex[:8]}.run"
    other.write_bytes(os.urandom(1000))
    with pytest.raises(TransferCancelledError):
        controller.add([other], cancel=cancelled)
    assert other.name not in [i.name for i in controller.list_installers()]

    assert controller.remove(rpm.name).name == rpm.name
    assert rpm.name not in [i.name for i in controller.list_installers()]
