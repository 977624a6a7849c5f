"""The project's file rules from `workspace.mel`: where its textures and its images live.

A project may keep textures somewhere other than `sourceimages` and write images somewhere
other than `images`; resolution and validation follow the project's own rules.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path, PurePosixPath, PureWindowsPath

from azure_batch_maya.scene.project import WORKSPACE_FILE

log = logging.getLogger(__name__)

_RULE = re.compile(r'workspace\s+-(?:fr|fileRule)\s+"((?:[^"\\]|\\.)*)"\s+"((?:[^"\\]|\\.)*)"\s*;')


def parse_file_rules(text: str) -> dict[str, str]:
    """`workspace -fr "images" "renders";` lines as {"images": "renders"}; the last one wins."""
    return {m.group(1): _unescape(m.group(2)) for m in _RULE.finditer(text)}


def file_rules(project_root: str) -> dict[str, str]:
    """The rules of the project's `workspace.mel`; none when it is absent or unreadable."""
    path = Path(project_root) / WORKSPACE_FILE
    try:
        return parse_file_rules(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}


def rule_folder(project_root: str, rules: dict[str, str], rule: str, default: str) -> str:
    """The folder a rule names: relative rules are below the project root."""
    value = rules.get(rule) or default
    if PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute():
        return value
    return str(Path(project_root) / value)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)
