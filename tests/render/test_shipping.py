"""The shipped code is read from the node's imports: complete, alone, and with no packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.shipping import ShippingError, node_modules, shipped_files
from tests.node.example import build_node, example, example_job, ship_to
from tests.node.test_render_task import fake_maya

REPO = Path(__file__).resolve().parents[2]

# Runs the shipped folder as a node does, then writes where each package module came from.
RECORD_IMPORTS = """
import atexit, json, runpy, sys
ship, out, extra = sys.argv[1:4]
sys.argv = [ship, *sys.argv[4:]]
if extra:
    sys.path.append(extra)
def record():
    mods = {n: m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "azure_batch_maya"}
    open(out, "w").write(json.dumps(mods))
atexit.register(record)
runpy.run_path(ship, run_name="__main__")
"""


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
        REPO / "azure_batch_maya" / "node" / "__main__.py"
    ).read_bytes()


def imported_by_a_node_run(
    ship: Path, work: Path, out: Path, *args: str, extra: str = ""
) -> set[str]:
    """Run the shipped copy alone (no site-packages, no environment); the package modules it
    imported, as paths below the shipped package (each must come from the copy)."""
    argv = [sys.executable, "-S", "-E", "-c", RECORD_IMPORTS, str(ship), str(out), extra, *args]
    env = {**os.environ, "FAKE_MAYA_LOG": str(out) + ".maya"}
    result = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode in (0, 4), result.stderr  # 4: the fake Maya skips a frame
    files = json.loads(out.read_text())
    package = ship / "azure_batch_maya"
    assert all(Path(f).is_relative_to(ship) for f in files.values()), files
    return {Path(f).relative_to(package).as_posix() for f in files.values()}


def test_the_computed_list_is_exactly_what_the_node_imports(tmp_path: Path):
    job = example_job(SubmitSettings(stand_in=True, chunk_size=5, node_python=sys.executable))
    ship = build_node(tmp_path / "node", example(), job)
    work = tmp_path / "node" / "task" / "wd"
    work.mkdir(parents=True)
    stand_in = imported_by_a_node_run(
        ship, work, tmp_path / "a.json", "render", "frames-0001-0005", "--stand-in"
    )
    assert "node/standin.py" in stand_in and "scene/melflags.py" in stand_in
    in_maya = imported_by_a_node_run(
        ship,
        work,
        tmp_path / "b.json",
        "maya-session",
        "frames-0001-0005",
        extra=str(fake_maya(tmp_path / "fake")),
    )
    assert "node/maya_session.py" in in_maya
    # the entry point runs as the shipped folder's own `__main__.py`, not from the package
    assert stand_in | in_maya | {"node/__main__.py"} == set(node_modules())


def test_check_node_ships_alone_so_imports_nothing_of_the_package():
    assert node_modules(entry="node/check_node.py") == (
        "__init__.py",
        "node/__init__.py",
        "node/check_node.py",
    )


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "azure_batch_maya"
    for rel, text in {"__init__.py": "", "node/__init__.py": "", **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_imports_are_followed_lazily_relatively_and_from_packages(tmp_path: Path):
    root = package(
        tmp_path,
        {
            "node/__main__.py": "from azure_batch_maya.node import a\nfrom . import b\n",
            "node/a.py": "def f():\n    from ..scene.c import X\n",
            "node/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\n",
            "scene/__init__.py": "",
            "scene/c.py": "try:\n    from PIL import Image\nexcept ImportError:\n    pass\nX = 1\n",
            "scene/unused.py": "",
        },
    )
    assert node_modules(root) == (
        "__init__.py",
        "node/__init__.py",
        "node/__main__.py",
        "node/a.py",
        "node/b.py",
        "scene/__init__.py",
        "scene/c.py",
    )


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("import requests\n", r"node/helper\.py \(line 2\) imports requests, which is not in"),
        ("def f():\n    from azure.storage import blob\n", r"line 3\) imports azure\.storage"),
        ("from azure_batch_maya.nowhere import x\n", "imports azure_batch_maya.nowhere, which do"),
        ("import tomllib\n", r"line 2\) imports tomllib, which Python 3\.10 lacks"),
        (
            "try:\n    pass\nexcept* OSError:\n    pass\n",
            r"helper\.py \(line 5\) is not Python 3\.10 \(Exception groups",
        ),
    ],
)
def test_a_module_the_node_could_not_import_fails_naming_it_and_its_importer(
    tmp_path: Path, code: str, named: str
):
    root = package(
        tmp_path,
        {
            "node/__main__.py": "from azure_batch_maya.node.helper import go\n",
            "node/helper.py": "import json\n" + code,
        },
    )
    with pytest.raises(ShippingError, match=named):
        node_modules(root)
