"""The Submit tab's choices kept per scene: one small file each, written whole or not at all."""

from __future__ import annotations

import json

from azure_batch_maya.settings.scenememory import memory_file, recall, remember


def test_choices_come_back_for_their_scene_only(tmp_path):
    folder = tmp_path / "submit"
    path = remember("/show/shot010.ma", {"chunk_size": 4, "priority": 10}, folder)
    assert path == memory_file("/show/shot010.ma", folder) and path.parent == folder
    assert recall("/show/shot010.ma", folder) == {"chunk_size": 4, "priority": 10}
    assert recall("/show/shot020.ma", folder) is None
    assert [p.name for p in folder.iterdir()] == [path.name]  # no .part left behind
    remember("/show/shot010.ma", {"chunk_size": 8}, folder)
    assert recall("/show/shot010.ma", folder) == {"chunk_size": 8}


def test_a_damaged_or_foreign_file_is_ignored(tmp_path):
    folder = tmp_path / "submit"
    path = remember("/show/shot010.ma", {"chunk_size": 4}, folder)
    path.write_text('{"scene": "/show/shot010.ma", "choi', "utf-8")
    assert recall("/show/shot010.ma", folder) is None
    path.write_text(json.dumps({"scene": "/elsewhere.ma", "choices": {"chunk_size": 2}}), "utf-8")
    assert recall("/show/shot010.ma", folder) is None


def test_nothing_secret_is_kept(tmp_path):
    path = remember("/show/shot010.ma", {"pool_id": "render", "chunk_size": 1}, tmp_path)
    assert set(json.loads(path.read_text("utf-8"))) == {"scene", "choices"}
