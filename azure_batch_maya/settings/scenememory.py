"""The Submit tab's last choices for each scene, so reopening a shot brings them back.

One small JSON file per scene in the user's data folder, named by a hash of the scene's path
(not of its contents, which change with every save). Written atomically; it holds only the
tab's choices (frames, chunking, retries, pool…), nothing secret.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import data_dir

log = logging.getLogger(__name__)

FOLDER = "submit"  # the Assets tab keeps its own choices in "scenes"


def memory_file(scene: str, folder: Path | None = None) -> Path:
    """Where a scene's choices are kept: `<data>/submit/<sha256 of the path>.json`."""
    key = os.path.normcase(str(Path(scene).absolute()))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return (folder or data_dir() / FOLDER) / f"{digest}.json"


def recall(scene: str, folder: Path | None = None) -> dict[str, Any] | None:
    """The choices last kept for `scene`, or None (never kept, or unreadable: logged)."""
    path = memory_file(scene, folder)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the unreadable Submit choices in %s: %s", path, exc)
        return None
    if not isinstance(data, dict) or data.get("scene") != scene:
        return None  # a hash collision or a hand-edited file: not this scene's
    choices = data.get("choices")
    return dict(choices) if isinstance(choices, dict) else None


def remember(scene: str, choices: Mapping[str, Any], folder: Path | None = None) -> Path:
    """Keep `choices` for `scene`: written beside, then renamed, so a crash leaves the old file."""
    path = memory_file(scene, folder)
    return atomic.write_json(path, {"scene": scene, "choices": dict(choices)}, indent=1)
