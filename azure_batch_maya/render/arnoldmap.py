"""`ARNOLD_PATHMAP`: the same folder mapping for Arnold, which reads paths Maya never sees.

Paths inside `.ass` stand-ins, and `aiImage` nodes that bypass `dirmap`, are remapped by Arnold
itself from a JSON file named by `ARNOLD_PATHMAP`. Its keys are regular expressions, so every
key is escaped; Arnold turns backslashes into `/` before matching, as our keys already are.
"""

from __future__ import annotations

import json

from azure_batch_maya.render.pathmap import NodePathMap

ENV_VAR = "ARNOLD_PATHMAP"
FILE_NAME = "azbm_arnold_pathmap.json"  # on the node, beside the scene or in the task folder
# ECMAScript's syntax characters: all that must be escaped for a literal match.
_SPECIAL = frozenset("^$\\.*+?()[]{}|/")


def regex_escape(text: str) -> str:
    """`text` as a regular expression matching exactly it, in ECMAScript and Python flavours."""
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def arnold_pathmap(pathmap: NodePathMap) -> dict[str, dict[str, str]]:
    """`{"linux": {regex: target}}` (or `"windows"`): exact files first, then longest folders."""
    entries = {regex_escape(s): n for s, n in pathmap.files}
    entries.update({regex_escape(d.scene): d.node for d in pathmap.dirs})
    return {pathmap.os: entries}


def arnold_pathmap_json(pathmap: NodePathMap) -> str:
    """The file's text; UTF-8 with non-ASCII kept as `\\u` escapes, which JSON readers accept."""
    return json.dumps(arnold_pathmap(pathmap), indent=1, ensure_ascii=True) + "\n"
