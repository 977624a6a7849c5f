"""`assets --write-mapping`: the files for another farm agree with each other."""

from __future__ import annotations

import json

from azure_batch_maya.render.arnoldmap import FILE_NAME as ARNOLD_FILE
from azure_batch_maya.render.farmmapping import PYTHON_FILE, farm_mapping
from azure_batch_maya.render.redshiftmap import FILE_NAME as REDSHIFT_FILE

from .conftest import LOCAL_NAME
from .test_pathmap import parse_python


def test_one_bundle_agrees_with_itself(windows_project):
    m = farm_mapping(windows_project.project, "windows", "D:/azbm/assets", "D:\\azbm\\job")
    assert m.env == {
        "ARNOLD_PATHMAP": f"D:/azbm/job/{ARNOLD_FILE}",
        "REDSHIFT_PATHOVERRIDE_FILE": f"D:/azbm/job/{REDSHIFT_FILE}",
    }
    py = parse_python(m.files[PYTHON_FILE])
    arnold = json.loads(m.files[ARNOLD_FILE])["windows"]
    assert [target for _source, target in py["DIRMAP"]] == list(arnold.values())
    assert len(py["DIRMAP"]) == len(m.pathmap.dirs) + len(m.pathmap.files)
    # on POSIX the local copy's folder holds a double quote: Redshift's format cannot carry it
    pairs = [*m.pathmap.files, *((d.scene, d.node) for d in m.pathmap.dirs)]
    expected = tuple(source for source, target in pairs if '"' in source + target)
    assert m.skipped == expected and bool(m.skipped) == ('"' in LOCAL_NAME)
    assert len(m.files[REDSHIFT_FILE].splitlines()) == len(pairs) - len(expected)
