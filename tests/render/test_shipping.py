"""The shipped code is complete: every shipped module imports from the copy alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from azure_batch_maya.render.shipping import shipped_files
from tests.node.example import ship_to


def test_every_shipped_module_imports_with_no_site_packages(tmp_path: Path):
    ship = ship_to(tmp_path)
    modules = [
        rel[:-3].replace("/", ".").removesuffix(".__init__")
        for rel, _ in shipped_files()
        if rel.startswith("azure_batch_maya/") and not rel.endswith("__main__.py")
    ]
    script = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    script += "import azure_batch_maya\nassert azure_batch_maya.__file__.startswith(sys.path[0])\n"
    argv = [sys.executable, "-S", "-E", "-c", script, *modules]
    result = subprocess.run(argv, cwd=ship, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (ship / "__main__.py").read_bytes() == (
        Path(__file__).resolve().parents[2] / "azure_batch_maya" / "node" / "__main__.py"
    ).read_bytes()
