from __future__ import annotations

import re

from azure_batch_maya.render.pathmap import DirMapping, NodePathMap
from azure_batch_maya.render.redshiftmap import redshift_overrides


def test_lines_read_back_and_unwritable_paths_are_named():
    pm = NodePathMap(
        "windows",
        "D:/n",
        None,
        (
            DirMapping("C:/Zoë's $x;y/", "D:/n/C/Zoë's $x;y/"),
            DirMapping('/mnt/a "q"/', "D:/n/mnt/a/"),
        ),
        (("C:/t/a b.tif", "D:/n/t/a b.tif"),),
    )
    out = redshift_overrides(pm)
    matches = [re.fullmatch(r'"([^"]*)" "([^"]*)"', line) for line in out.text.splitlines()]
    pairs = [m.groups() if m else None for m in matches]
    assert pairs == [("C:/t/a b.tif", "D:/n/t/a b.tif"), ("C:/Zoë's $x;y/", "D:/n/C/Zoë's $x;y/")]
    assert out.skipped == ('/mnt/a "q"/',)
