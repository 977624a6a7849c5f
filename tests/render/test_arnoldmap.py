from __future__ import annotations

import json
import re

import pytest

from azure_batch_maya.render.arnoldmap import arnold_pathmap_json, regex_escape
from azure_batch_maya.render.pathmap import NODE_OSES, build_pathmap, map_path

from .test_dirmapscripts import NASTY


@pytest.mark.parametrize("text", [*NASTY, "C:/a.b/(c)[d]{e}+f*?^$|/"])
def test_escaped_key_matches_only_itself(text):
    key = regex_escape(text)
    assert re.fullmatch(key, text)
    assert not re.fullmatch(key, text + "x")
    if "." in text:
        assert not re.fullmatch(key, text.replace(".", "X"))


@pytest.mark.parametrize("node_os", NODE_OSES)
def test_arnold_maps_every_written_path_like_map_path(windows_project, node_os):
    project = windows_project.project
    pm = build_pathmap(project, node_os, "/mnt/a" if node_os == "linux" else "D:/a")
    data = json.loads(arnold_pathmap_json(pm))
    assert list(data) == [node_os]
    table = data[node_os]
    for res in project.resolutions:
        if not res.needs_upload:
            continue
        written = res.ref.path.replace("\\", "/")  # Arnold turns backslashes into / first
        expected = map_path(res.ref.path, pm)
        if not re.match(r"^([A-Za-z]:)?/", written):
            continue  # relative paths resolve against the workspace, not the path map
        for key, target in table.items():  # longest first, first match wins
            m = re.match(key, written)
            if m:
                assert target + written[m.end() :] == expected
                break
        else:
            pytest.fail(f"no ARNOLD_PATHMAP key matches {written}")
