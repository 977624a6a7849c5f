from __future__ import annotations

import json
from pathlib import Path

from azure_batch_maya.app.scan import scan_json
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.render.validation import validate
from azure_batch_maya.scene.model import FileRef, SceneInfo


def test_adds_resolution_and_validation_keys(tmp_path: Path):
    (tmp_path / "a.1001.tif").write_bytes(b"")
    (tmp_path / "a.1002.tif").write_bytes(b"")
    scene = SceneInfo(
        scene=str(tmp_path / "s.ma"),
        project_root=str(tmp_path),
        references=(
            FileRef("f1", "file", "ftn", "a.<UDIM>.tif"),
            FileRef("f2", "file", "ftn", "C:/gone.tif"),
        ),
    )
    res = resolve_scene(scene, env={})
    data = json.loads(json.dumps(scan_json(scene, res, validate(scene, res))))
    f1, f2 = data["references"]
    assert f1["node"] == "f1" and f1["rule"] == "as_written"
    assert f1["resolved"] == str(tmp_path / "a.<UDIM>.tif")
    assert f1["files"] == [str(tmp_path / "a.1001.tif"), str(tmp_path / "a.1002.tif")]
    assert f2["resolved"] is None and f2["rule"] is None and f2["files"] == []
    assert "not found" in f2["message"]
    assert {"level": "error", "code": "missing-asset", "message": f2["message"]} in (
        data["validation"]
    )
    assert data["scene"] == scene.scene  # the scene keys stay
