"""Test installers: a small archive whose `bin/mayapy` runs Python against a fake `maya`.

`maya_archive` builds `maya-test.tar.gz` holding `maya-test/bin/mayapy` (a shell script that
runs this test's Python with `maya-test/python` first on the path) and a fake `maya` package
there: `maya.standalone`, and a `maya.cmds` that answers `about(version=True)`, loads only the
plug-ins it was built with, and on any render call writes every image the running task's plan
expects (it finds the plan beside the shipped code mayapy was started with). So the real node
scripts run end to end without Maya. `broken_installer` builds a `.run` that fails like a
real installer whose licence step failed.
"""

from __future__ import annotations

import io
import sys
import tarfile
from pathlib import Path

MAYAPY = """#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd)
PYTHONPATH="$here/python${{PYTHONPATH:+:$PYTHONPATH}}" exec "{python}" "$@"
"""

STANDALONE = "def initialize(name=None):\n    pass\n\n\ndef uninitialize():\n    pass\n"

CMDS = '''
"""A fake maya.cmds: just enough for the node scripts."""
import json, pathlib, sys

VERSION = {version!r}
PLUGINS = {plugins!r}
_rules = {{}}


def about(version=False, **_):
    return VERSION


def loadPlugin(name, quiet=False):
    if name not in PLUGINS:
        raise RuntimeError(f"Plug-in, \\"{{name}}\\", was not found on MAYA_PLUG_IN_PATH.")
    return [name]


def workspace(*args, **kwargs):
    if "fileRule" in kwargs:
        _rules[kwargs["fileRule"][0]] = kwargs["fileRule"][1]


def _write_images(*args, **kwargs):
    ship = pathlib.Path(sys.argv[0])
    task = sys.argv[sys.argv.index("maya-session") + 1]
    plan = json.loads((ship / "plan.json").read_text("utf-8"))
    (entry,) = [t for t in plan["tasks"] if t["id"] == task]
    for image in entry["images"]:
        path = pathlib.Path(_rules["images"], image)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"fake maya image")


render = arnoldRender = vrend = rsRender = ogsRender = _write_images


def __getattr__(name):
    return lambda *args, **kwargs: None
'''


def maya_archive(
    folder: Path,
    *,
    version: str = "2025",
    plugins: tuple[str, ...] = ("mtoa",),
    python: str = sys.executable,
    name: str = "maya-test.tar.gz",
) -> Path:
    """The test Maya installer (a .tar.gz the start task unpacks into its prefix)."""
    files = {
        "maya-test/bin/mayapy": (MAYAPY.format(python=python), 0o755),
        "maya-test/python/maya/__init__.py": ("", 0o644),
        "maya-test/python/maya/standalone.py": (STANDALONE, 0o644),
        "maya-test/python/maya/cmds.py": (CMDS.format(version=version, plugins=plugins), 0o644),
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    with tarfile.open(path, "w:gz") as archive:
        for member, (text, mode) in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(member)
            info.size, info.mode = len(data), mode
            archive.addfile(info, io.BytesIO(data))
    return path


def unpack(archive: Path, folder: Path) -> None:
    """Unpack a test archive; the `data` filter only where this Python has it (3.10.12+,
    3.11.4+: Debian's 3.11.2 does not)."""
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(folder, filter="data")
        else:
            tar.extractall(folder)  # our own archive, built just above


def broken_installer(folder: Path, name: str = "renderer-broken.run") -> Path:
    """A self-extracting installer that fails, saying why on its own output."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        "#!/bin/sh\necho 'unpacking renderer...'\n"
        "echo 'ERROR: licence agreement not accepted (pass --accept)' >&2\nexit 3\n"
    )
    path.chmod(0o755)
    return path
