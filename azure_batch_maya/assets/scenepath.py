"""`ScenePath`: a path as a scene writes it, read the same way on any OS.

A scene saved on Windows says `C:\\show\\wall.tif` or `C:/show/wall.tif`; one saved on Linux says
`/mnt/show/wall.tif`; either may be opened on the other OS. Reading both into one form (forward
slashes, a drive or UNC host kept apart from the folders) lets resolution and path mapping treat
them alike without asking the OS this code runs on.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

_LETTERS = frozenset(string.ascii_letters)  # a drive letter; `str.isalpha` would take any script


@dataclass(frozen=True)
class ScenePath:
    """A parsed path; `anchor` is `""` (relative), `"/"`, `"C:/"` or `"//host/share/"`."""

    anchor: str
    parts: tuple[str, ...]

    @property
    def is_absolute(self) -> bool:
        return self.anchor != ""

    @property
    def is_windows(self) -> bool:
        """True for a drive or UNC path, which names nothing on a POSIX machine."""
        return self.anchor not in ("", "/")

    @property
    def name(self) -> str:
        return self.parts[-1] if self.parts else ""

    @property
    def folders(self) -> tuple[str, ...]:
        return self.parts[:-1]

    @property
    def text(self) -> str:
        """The normalised path: forward slashes, no doubled or `.` components."""
        return self.anchor + "/".join(self.parts)

    @property
    def parent_text(self) -> str:
        """The folder, ending in `/` (what `dirmap` and prefix matching want)."""
        return self.anchor + "".join(p + "/" for p in self.folders)

    def layout_parts(self) -> tuple[str, ...]:
        """Parts of a layout keeping local structure: `C:/a` → `C/a`, `//h/s/a` → `UNC/h/s/a`."""
        if self.anchor.startswith("//"):
            host_share = tuple(p for p in self.anchor.split("/") if p)
            return ("UNC", *host_share, *self.parts)
        if self.anchor.endswith(":/"):
            return (self.anchor[0].upper(), *self.parts)
        return self.parts


def parse_scene_path(raw: str) -> ScenePath:
    """Read a path written on any OS; backslashes count as separators, `..` is kept as written."""
    text = raw.strip().replace("\\", "/")
    anchor = ""
    rest = text
    if text[1:2] == ":" and text[:1] in _LETTERS and text[2:3] in ("/", ""):
        anchor = text[0] + ":/"
        rest = text[3:]
    elif text.startswith("//") and not text.startswith("///"):
        pieces = text[2:].split("/")
        host_share = [p for p in pieces[:2] if p]
        anchor = "//" + "/".join(host_share) + "/"
        rest = "/".join(pieces[2:])
    elif text.startswith("/"):
        anchor = "/"
        rest = text[1:]
    parts = rest.split("/")
    if "" in parts or "." in parts:  # most paths have neither: no filtering pass
        parts = [p for p in parts if p and p != "."]
    return ScenePath(anchor, tuple(parts))
