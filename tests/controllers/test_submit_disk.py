"""The Submit tab reads no file on the interface's thread: what its checks need from the disk
(each file's kind and links, the choices' paths, workspace.mel's output folder, the pools
checked from here) is read on a worker and handed over; until then Submit waits, saying why."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.assets import outside
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render import validation
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.settings import preferences
from tests.controllers.test_submit import make

READERS = [
    (outside, "is_regular_file"),
    (outside, "link_target"),
    (validation, "file_rules"),
    (preferences, "_checked"),
]


@pytest.fixture
def readers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads on which the disk was read, one entry a call (the real reads still run)."""
    threads: list[str] = []
    for module, name in READERS:
        real = getattr(module, name)

        def spy(*args: Any, _real: Callable[..., Any] = real) -> Any:
            threads.append(threading.current_thread().name)
            return _real(*args)

        monkeypatch.setattr(module, name, spy)
    return threads


def on_worker(work: Callable[[], Any]) -> Any:
    """Run `work` on another thread, as the view's worker does, and return what it made."""
    made: list[Any] = []
    worker = threading.Thread(target=lambda: made.append(work()), name="worker")
    worker.start()
    worker.join()
    return made[0]


def test_the_checks_wait_for_the_disk_facts_read_on_a_worker(
    home: Path, scene: SceneInfo, tmp_path: Path, readers: list[str]
) -> None:
    session = Session(scene)
    unused = cast(Any, None)  # nothing here calls Batch or Storage
    session.set_connection(Connection(batch=unused, blobs=unused, where="local", local=True))
    assets, _env, submit = make(session, tmp_path)
    submit.disk_on_worker = True  # as the Submit view sets it
    assets.apply_scan(assets.scan())
    readers.clear()  # the scan's own reads were on its worker in the panel
    submit.update(pool_mode="existing", pool_id="render-pool")
    assert submit.blocked_reason() == "Checking the scene's files…"
    assert [f for f in submit.findings() if f.code == "pool"] == []  # not known yet
    request = submit.disk_request()
    assert request is not None and submit.disk_request() is None  # asked once
    facts = on_worker(lambda: submit.read_disk(request))
    assert readers and set(readers) == {"worker"}
    readers.clear()
    submit.apply_disk(facts)
    assert not submit.disk_pending and submit.blocked_reason() != "Checking the scene's files…"
    (notice,) = [f for f in submit.findings() if f.code == "pool"]
    assert "pools check render-pool" in notice.message
    for end in (2, 3, 4):  # a redraw per change of the frames: no read at all
        submit.update(end=end)
        submit.findings(), submit.estimate(), submit.blocked_reason()
    assert readers == [] and submit.disk_request() is None

    preferences.mark_checked("render-pool")  # as `pools check` does, elsewhere
    readers.clear()
    submit.pool_checked()  # the Pools tab's check ended: the checked pools are read again
    assert submit.blocked_reason() == "Checking the scene's files…"
    again = submit.disk_request()
    assert again is not None
    submit.apply_disk(on_worker(lambda: submit.read_disk(again)))
    assert [f for f in submit.findings() if f.code == "pool"] == []
    assert set(readers) == {"worker"}


def test_facts_of_replaced_choices_are_dropped_and_read_again(
    home: Path, scene: SceneInfo, tmp_path: Path
) -> None:
    session = Session(scene)
    assets, _env, submit = make(session, tmp_path)
    submit.disk_on_worker = True
    assets.apply_scan(assets.scan())
    old = submit.disk_request()
    assert old is not None
    assets.add_paths([str(tmp_path / "not-there.exr")])  # choices change while it reads
    stale = on_worker(lambda: submit.read_disk(old))
    submit.apply_disk(stale)
    assert submit.disk_pending
    new = submit.disk_request()
    assert new is not None and new[1] == assets.choices
    submit.apply_disk(on_worker(lambda: submit.read_disk(new)))
    assert not submit.disk_pending
    assert any(f.code == "added-missing" for f in submit.findings())


def test_without_a_view_the_disk_is_read_when_first_needed(
    home: Path, scene: SceneInfo, tmp_path: Path, readers: list[str]
) -> None:
    assets, _env, submit = make(Session(scene), tmp_path)
    assets.apply_scan(assets.scan())
    readers.clear()
    submit.findings()
    assert readers and not submit.disk_pending  # the CLI-like use: read there and then
    readers.clear()
    submit.update(end=3)
    submit.findings()
    assert readers == []  # kept while the scan and the choices stay
