"""Which files a scene would send from outside its project, and which from system folders.

A scene that references `/etc/passwd` or `C:\\Windows\\…` would upload it to the cloud without
a word; validation lists every file outside the project and the search paths (a warning) and
refuses system folders (an error). Paths are judged as text, Windows or POSIX by their shape,
so a scene authored on Windows is judged the same on any machine.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from stat import S_ISREG

# Folders that hold the operating system, devices or programs, never a scene's assets.
POSIX_SYSTEM = (
    "/etc", "/usr", "/proc", "/sys", "/dev", "/bin", "/sbin", "/boot", "/var/run",
    "/private/etc", "/System",  # macOS: /etc is a link to /private/etc
)  # fmt: skip
WINDOWS_SYSTEM = ("C:/Windows", "C:/Program Files", "C:/Program Files (x86)", "C:/ProgramData")


def pure_path(path: str) -> PurePath:
    """A Windows path for `C:\\…`, `C:/…` and `\\\\server\\…`; otherwise POSIX."""
    if (len(path) >= 2 and path[1] == ":" and path[0].isalpha()) or path.startswith("\\\\"):
        return PureWindowsPath(path)
    return PurePosixPath(path)


def is_inside(path: str, folder: str) -> bool:
    """`path` is `folder` or below it (case-insensitive for Windows paths)."""
    p, f = pure_path(path), pure_path(folder)
    if type(p) is not type(f):
        return False
    return p == f or f in p.parents


def system_folder(path: str) -> str | None:
    """The system folder `path` lies in, or None."""
    roots = WINDOWS_SYSTEM if isinstance(pure_path(path), PureWindowsPath) else POSIX_SYSTEM
    return next((root for root in roots if is_inside(path, root)), None)


def outside(files: Iterable[str], roots: Iterable[str]) -> list[str]:
    """The files in none of `roots` (the project and the search paths), in order, once each."""
    folders = [r if pure_path(r).is_absolute() else str(Path(r).absolute()) for r in roots if r]
    return [f for f in dict.fromkeys(files) if not any(is_inside(f, r) for r in folders)]


def is_regular_file(path: str) -> bool:
    """True for a regular file (after links) or a path absent here (missing files are reported
    elsewhere); False for a FIFO, a device or a folder, which hashing would hang on."""
    try:
        return S_ISREG(Path(path).stat().st_mode)
    except (OSError, ValueError):
        return True


def link_target(path: str) -> str | None:
    """Where a symlink on this machine leads (fully resolved), or None for a plain file."""
    try:
        link = Path(path)
        return str(link.resolve()) if link.is_symlink() else None
    except (OSError, ValueError, RuntimeError):
        return None
