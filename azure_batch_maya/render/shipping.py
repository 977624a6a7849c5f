"""The code a node needs, shipped with each job's inputs: our node scripts and what they import.

The node has Python (mayapy, or any Python 3.10+ for the stand-in) but not this package, so
the job preparation task fetches these files into `<prep>/azbm/`, with the node entry point as
`azbm/__main__.py`; `python <prep>/azbm …` then runs them with no installation.
"""

from __future__ import annotations

from pathlib import Path

import azure_batch_maya

_PACKAGE = Path(azure_batch_maya.__file__).resolve().parent
# The modules below import only each other and the standard library (tests check this by
# running the shipped copy in isolation).
_MODULES = (
    "__init__.py",
    "node/__init__.py",
    "node/__main__.py",
    "node/contactsheet.py",
    "node/fetch_inputs.py",
    "node/font.py",
    "node/framefiles.py",
    "node/imagenames.py",
    "node/maya_session.py",
    "node/nodemap.py",
    "node/plan.py",
    "node/png.py",
    "node/pngread.py",
    "node/render_task.py",
    "node/scenewalk.py",
    "node/standin.py",
    "scene/__init__.py",
    "scene/errors.py",
    "scene/file_attributes.py",
    "scene/ma_reader.py",
    "scene/ma_source.py",
    "scene/mel.py",
    "scene/melflags.py",
    "scene/model.py",
    "scene/project.py",
    "assets/__init__.py",
    "assets/scenepath.py",
    "assets/tokens.py",
)


def shipped_files() -> tuple[tuple[str, Path], ...]:
    """(path below the shipped folder, local file) for every file a node needs."""
    files = [("__main__.py", _PACKAGE / "node" / "__main__.py")]
    files += [(f"azure_batch_maya/{m}", _PACKAGE / m) for m in _MODULES]
    return tuple(files)
