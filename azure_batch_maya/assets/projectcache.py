"""The asset project built once while nothing changed: Upload, then Submit a minute later.

The Assets tab's upload, the Submit tab's submit and the CLI all ask `cached_project`. A build
loads the hash cache, walks the added folders and stats every file; the result is kept with the
state (kind, size, mtime in ns) of every path the build looked at, each taken before it was
read. It is reused only for equal inputs (scene, resolutions, choices) while every one of those
paths is unchanged, so a file saved since is never sent with its old hash: a changed file, a
file added to or removed from an added folder, a scene or `workspace.mel` that appeared or
went all rebuild (through the hash cache, which rehashes only what changed). A build that
read a path changed in the last seconds is not kept at all (`hashcache.settled`).
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import HashCache, settled
from azure_batch_maya.assets.project import AssetProject, build_project
from azure_batch_maya.assets.resolve import Resolution
from azure_batch_maya.scene.model import SceneInfo

PathState = tuple[int, int, int] | None  # (file type, size, mtime_ns); None when it is not there


def path_state(path: str) -> PathState:
    """What a path is now, as cheaply as one `stat` says it (links followed, as a read does)."""
    try:
        st = os.stat(path)  # noqa: PTH116 - string paths, as recorded
    except (OSError, ValueError):
        return None
    return (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class _Built:
    scene: SceneInfo
    resolutions: tuple[Resolution, ...]
    choices: AssetChoices
    project: AssetProject
    seen: tuple[tuple[str, PathState], ...]

    def fits(
        self, scene: SceneInfo, resolutions: tuple[Resolution, ...], choices: AssetChoices
    ) -> bool:
        """Equal inputs, and every path the build looked at still as it was."""
        if (self.scene, self.resolutions, self.choices) != (scene, resolutions, choices):
            return False
        return all(path_state(path) == state for path, state in self.seen)


class ProjectCache:
    """The last project built, and the state of what it read; one build at a time."""

    def __init__(self, hashes: Callable[[], HashCache] = HashCache.load) -> None:
        self._hashes = hashes
        self._last: _Built | None = None
        self._lock = threading.Lock()
        self.builds = 0  # builds actually run; the other calls were answered from the cache

    def project(
        self, scene: SceneInfo, resolutions: Iterable[Resolution], choices: AssetChoices
    ) -> AssetProject:
        """The project for these inputs: the last one while it still fits, else built anew.

        Raises what `build_project` raises (`NotAFileError`, `OSError` for a vanished file);
        a failed build leaves nothing cached.
        """
        resolutions = tuple(resolutions)
        with self._lock:
            last = self._last
            if last is not None and last.fits(scene, resolutions, choices):
                return last.project
            self._last = None
            seen: dict[str, PathState] = {}

            def watch(path: str) -> None:
                if path not in seen:
                    seen[path] = path_state(path)

            cache = self._hashes()
            try:
                project = build_project(scene, resolutions, choices, cache.digest, watch=watch)
            finally:
                cache.save()
            self.builds += 1
            if all(state is None or settled(state[2]) for state in seen.values()):
                self._last = _Built(scene, resolutions, choices, project, tuple(seen.items()))
            return project


_PROJECTS = ProjectCache()


def cached_project(
    scene: SceneInfo, resolutions: Iterable[Resolution], choices: AssetChoices
) -> AssetProject:
    """The asset project with every file hashed, built again only when something changed.

    The one way the Assets tab, the Submit tab and the CLI get a project; the hash cache
    (user's cache folder) serves the hashes of files that did not change.
    """
    return _PROJECTS.project(scene, resolutions, choices)
