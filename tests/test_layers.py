"""The import contract: each package imports only its own modules and the layers below it.

docs/architecture.md draws these layers; this test is what keeps the drawing true. It reads
every module's imports with `ast` (top-level and function-local alike, since a lazy import is
still a dependency) and fails naming the module, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "azure_batch_maya"
PLUGIN = ROOT / "plug-in" / "AzureBatch.py"

# Top to bottom. A package may import itself and any package on a lower line; packages on one
# line are siblings and import neither each other nor anything above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("cli", "ui"),  # front ends: the command line, the Qt panel
    ("controllers",),  # one per tab: state and actions, no widgets
    ("app",),  # what CLI and panel both do: submit, connect, follow jobs and pools
    ("settings",),  # the user's settings and state, the studio's presets
    ("local",),  # the local pool (its own process; started by app and cli)
    ("render",),  # jobs built by pure functions: renderers, tasks, path mapping, cost
    ("transfer",),  # content-addressed upload and safe download
    ("node",),  # what runs on a render node; its plan and manifest formats, which both sides use
    ("assets",),  # tokens, folders, resolution, the asset project
    ("scene",),  # SceneInfo and its readers
    ("services", "images"),  # thin layer over the Azure SDKs / frames to thumbnails
    ("system",),  # per-user folders, atomic writes, processes: standard library only
)
ROOT_MODULES = {"__init__", "__main__"}  # nothing else sits loose at the package root
# Known, deliberate edges that break the layer rule, each with its reason.
EXCEPTIONS = {
    # `azure-batch-maya ui` opens the standalone window: a front end starting the other one.
    ("cli/ui.py", "ui"),
}
STDLIB = set(sys.stdlib_module_names)
MAYA_MODULES = {  # the only modules that may import maya (docs/architecture.md)
    "scene/live_reader.py",
    "ui/maya_dock.py",
    "node/maya_session.py",
    "node/check_node.py",  # the node check asks mayapy for Maya's version and plug-ins
}
QT_NAMES = {"PySide2", "PySide6", "PyQt5", "PyQt6", "Qt", "shiboken2", "shiboken6"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing file, relative to the package ("app/submit.py")
    line: int
    target: str  # the dotted name imported ("azure_batch_maya.render.job", "json")
    optional: bool = False  # inside `try: … except ImportError`: used only when present


def _rank() -> dict[str, int]:
    return {package: i for i, line in enumerate(LAYERS) for package in line}


def _imports_of(path: Path, relative: str) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = ["azure_batch_maya", *Path(relative).with_suffix("").parts]
    if path.name == "__init__.py":
        own = own[:-1]
    guarded = _guarded_lines(tree)
    for node in ast.walk(tree):
        optional = node.lineno in guarded if isinstance(node, ast.stmt) else False
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(relative, node.lineno, alias.name, optional)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the importing module's package
                base = own[: len(own) - node.level]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target == "azure_batch_maya":  # `from azure_batch_maya import x`: x is a module
                for alias in node.names:
                    yield Import(relative, node.lineno, f"{target}.{alias.name}", optional)
            else:
                yield Import(relative, node.lineno, target, optional)


def _guarded_lines(tree: ast.AST) -> set[int]:
    """Lines of the statements in a `try` body whose handlers catch ImportError."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Try):
            continue
        names: set[str] = set()
        for handler in node.handlers:
            kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            names |= {k.id for k in kinds if isinstance(k, ast.Name)}
        if names & {"ImportError", "ModuleNotFoundError"}:
            lines |= {n.lineno for s in node.body for n in ast.walk(s) if isinstance(n, ast.stmt)}
    return lines


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found.extend(_imports_of(path, path.relative_to(PACKAGE).as_posix()))
    return found


def _package_of(relative: str) -> str:
    parts = Path(relative).parts
    return parts[0] if len(parts) > 1 else Path(relative).stem


def _target_package(target: str) -> str | None:
    parts = target.split(".")
    if parts[0] != "azure_batch_maya" or len(parts) < 2:
        return None
    return parts[1]


def layer_breaks(imports: list[Import]) -> list[str]:
    """Every import that goes up, or sideways to a sibling, as `file:line: rule`."""
    rank = _rank()
    breaks = []
    for imp in imports:
        source = _package_of(imp.module)
        target = _target_package(imp.target)
        if target is None or target == source or target == "__version__":
            continue
        if source in ROOT_MODULES:
            continue  # `__main__` runs the CLI; `__init__` holds the version
        if (imp.module, target) in EXCEPTIONS:
            continue
        if source not in rank or target not in rank:
            unknown = source if source not in rank else target
            breaks.append(f"{imp.module}:{imp.line}: package {unknown!r} is in no layer")
        elif rank[target] <= rank[source]:
            where = "a sibling" if rank[target] == rank[source] else "a layer above"
            breaks.append(f"{imp.module}:{imp.line}: imports {imp.target} ({where})")
    return breaks


def test_every_import_goes_down_the_layers() -> None:
    assert layer_breaks(_all_imports()) == []


def test_the_check_catches_an_import_up_and_one_sideways() -> None:
    bad = [
        Import("render/job.py", 3, "azure_batch_maya.app.submit"),
        Import("services/storage.py", 4, "azure_batch_maya.images.decode"),
        Import("scene/model.py", 5, "azure_batch_maya.newthing.x"),
    ]
    assert layer_breaks(bad) == [
        "render/job.py:3: imports azure_batch_maya.app.submit (a layer above)",
        "services/storage.py:4: imports azure_batch_maya.images.decode (a sibling)",
        "scene/model.py:5: package 'newthing' is in no layer",
    ]


def test_relative_imports_are_resolved_before_judging(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text("from ..app import submit\nfrom . import other\n")
    targets = [imp.target for imp in _imports_of(module, "render/x.py")]
    assert targets == ["azure_batch_maya.app", "azure_batch_maya.render"]


def test_every_package_is_in_a_layer_and_nothing_sits_loose_at_the_root() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(_rank())
    loose = {p.stem for p in PACKAGE.glob("*.py")}
    assert loose == ROOT_MODULES


def test_only_the_named_modules_import_maya_and_only_ui_qt_imports_a_binding() -> None:
    for imp in _all_imports():
        top = imp.target.split(".")[0]
        if top == "maya":
            assert imp.module in MAYA_MODULES, f"{imp.module}:{imp.line} imports maya"
        if top in QT_NAMES:
            assert imp.module == "ui/qt.py", f"{imp.module}:{imp.line} imports {top}"


@pytest.mark.parametrize("package", ["system", "node", "scene"])
def test_low_layers_use_the_standard_library_only(package: str) -> None:
    """`node` and `scene` are shipped to render nodes with no packages installed; `system` is
    imported by the local pool's task host, which runs with `python -I -S`. An optional import
    (Pillow on a node that has it) is allowed inside `try: … except ImportError`."""
    third_party = [
        f"{imp.module}:{imp.line}: {imp.target}"
        for imp in _all_imports()
        if _package_of(imp.module) == package
        and not imp.optional
        and imp.target.split(".")[0] not in STDLIB | {"azure_batch_maya", "maya"}
    ]
    assert third_party == []


def test_an_import_under_except_importerror_is_optional(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text(
        "try:\n    from PIL import Image\nexcept ImportError:\n    Image = None\nimport numpy\n"
    )
    found = [(imp.target, imp.optional) for imp in _imports_of(module, "node/x.py")]
    assert sorted(found) == [("PIL", True), ("numpy", False)]


def test_the_plugin_imports_no_cli_module() -> None:
    imports = list(_imports_of(PLUGIN, "AzureBatch.py"))
    assert [i.target for i in imports if i.target.startswith("azure_batch_maya.cli")] == []
    assert any(i.target.startswith("azure_batch_maya.") for i in imports)  # it was read


def test_docs_architecture_draws_the_same_layers() -> None:
    """Each package appears in docs/architecture.md's map, in the order of LAYERS."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    drawn = [m.group(1) for m in re.finditer(r"^([a-z]+)/ ", block, flags=re.MULTILINE)]
    expected = [package for line in LAYERS for package in line]
    first_seen = list(dict.fromkeys(p for p in drawn if p in expected))
    assert first_seen == expected
