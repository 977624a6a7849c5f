"""The user's asset choices (`assets/choices.py`) saved per scene, to come back with it.

Search paths, files and folders added by hand, files deselected, and the asset project's name
are made once per scene, often after some hunting; losing them on the next open is the kind of
friction that makes people stop using a tool.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import data_dir

log = logging.getLogger(__name__)


def choices_file(scene: str, env: Mapping[str, str] | None = None) -> Path:
    """One small JSON file per scene, named by a hash of its absolute path."""
    key = os.path.normcase(str(Path(scene).absolute()))
    name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return data_dir(env) / "scenes" / f"{name}.json"


def load_choices(scene: str, env: Mapping[str, str] | None = None) -> AssetChoices:
    """The saved choices, or none when nothing was saved (or the file is damaged)."""
    path = choices_file(scene, env)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return AssetChoices(
            search_paths=tuple(data.get("search_paths", ())),
            added=tuple(data.get("added", ())),
            deselected=tuple(data.get("deselected", ())),
            project_name=data.get("project_name"),
        )
    except FileNotFoundError:
        return AssetChoices()
    except (OSError, ValueError, TypeError) as exc:
        log.warning("asset choices %s unreadable (%s); starting afresh", path, exc)
        return AssetChoices()


def save_choices(scene: str, choices: AssetChoices, env: Mapping[str, str] | None = None) -> Path:
    path = choices_file(scene, env)
    data = {"scene": str(Path(scene).absolute()), **asdict(choices)}
    return atomic.write_json(path, data, indent=1)
