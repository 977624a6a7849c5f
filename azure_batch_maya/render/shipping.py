"""The code a node needs, shipped with each job's inputs: our node scripts and what they import.

The node has Python (mayapy, or any Python 3.10+ for the stand-in) but not this package, so
the job preparation task fetches these files into `<prep>/azbm/`, with the node entry point as
`azbm/__main__.py`; `python <prep>/azbm …` then runs them with no installation.

Which modules go is read from the code, not kept by hand (a hand-kept list once left out
`scene/melflags.py` and broke every stand-in job): the imports of `node/__main__.py` are
followed through `azure_batch_maya.*` transitively, lazy imports inside functions included.
A shipped module that imports anything but the standard library (or `maya`, which mayapy
provides) raises `ShippingError` naming both, since the node could not import it.

The oldest Python a node runs is Maya 2024's mayapy, 3.10, whatever runs this check: shipped
code is parsed as 3.10 grammar, and the standard modules newer than 3.10 are refused too. What
`feature_version` misses (3.12's f-strings, `datetime.UTC` and other newer names) ruff and mypy
catch in `dev.py test`, both set to Python 3.10 in pyproject.toml.
"""

from __future__ import annotations

import ast
import functools
import sys
from collections.abc import Iterator
from pathlib import Path

import azure_batch_maya

PACKAGE_NAME = "azure_batch_maya"
ENTRY_POINT = "node/__main__.py"  # below the package; also shipped as `azbm/__main__.py`
NODE_PROVIDED = frozenset({"maya"})  # mayapy's own modules, there on a node with Maya
_PACKAGE = Path(azure_batch_maya.__file__).resolve().parent
NODE_PYTHON = (3, 10)  # Maya 2024's mayapy; 2025 and 2026 have 3.11
NEWER_THAN_NODE = frozenset({"tomllib", "annotationlib", "compression"})  # added after 3.10
_ALLOWED = (frozenset(sys.stdlib_module_names) - NEWER_THAN_NODE) | {"__future__"} | NODE_PROVIDED


class ShippingError(Exception):
    """A module the node would import cannot run there; the message names it and its importer."""


def shipped_files() -> tuple[tuple[str, Path], ...]:
    """(path below the shipped folder, local file) for every file a node needs."""
    files = [("__main__.py", _PACKAGE / ENTRY_POINT)]
    files += [(f"{PACKAGE_NAME}/{m}", _PACKAGE / m) for m in node_modules()]
    return tuple(files)


@functools.cache
def node_modules(package: Path = _PACKAGE, entry: str = ENTRY_POINT) -> tuple[str, ...]:
    """Every module `entry` imports from the package, transitively, with the packages' own
    `__init__.py` files (Python imports them first); `/`-separated paths below `package`."""
    found: set[str] = set()
    todo = [entry]
    while todo:
        rel = todo.pop()
        if rel in found:
            continue
        found.add(rel)
        todo += _parent_inits(rel)
        for name, line, maybe, guarded in _imported_names(package, rel):
            top = name.split(".")[0]
            if top == PACKAGE_NAME:
                todo += _package_files(package, name, f"{rel} (line {line})", maybe=maybe)
            elif top in NEWER_THAN_NODE and not guarded:
                raise ShippingError(
                    f"{PACKAGE_NAME}/{rel} (line {line}) imports {name}, which Python "
                    f"{_version(NODE_PYTHON)} lacks: it ships to render nodes, whose oldest "
                    "mayapy (Maya 2024) is that version. Guard it, or do without it"
                )
            elif top not in _ALLOWED and not guarded:
                raise ShippingError(
                    f"{PACKAGE_NAME}/{rel} (line {line}) imports {name}, which is not in the "
                    "standard library: it ships to render nodes, which have no packages. "
                    "Import it outside the node code, or vendor what the node needs"
                )
    return tuple(sorted(found))


def _parent_inits(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join([*parts[:i], "__init__.py"]) for i in range(len(parts) + 1)]


def _package_files(package: Path, name: str, where: str, *, maybe: bool) -> list[str]:
    """The file behind an imported dotted name of the package (its module or its package's
    `__init__.py`); for a `maybe` (the `c` of `from a.b import c`, which may be a name) none."""
    parts = name.split(".")[1:]
    candidates = [f"{'/'.join(parts)}.py"] if parts else []
    for rel in [*candidates, "/".join([*parts, "__init__.py"])]:
        if (package / rel).is_file():
            return [rel]
    if maybe:
        return []
    raise ShippingError(f"{PACKAGE_NAME}/{where} imports {name}, which does not exist")


def _imported_names(package: Path, rel: str) -> Iterator[tuple[str, int, bool, bool]]:
    """(dotted name, line, maybe, guarded) of every import in the file, outside `if
    TYPE_CHECKING:` blocks; `from a import b` gives `a`, and `a.b` as a maybe (a module, or a
    name in `a`). Guarded: inside a `try` that catches ImportError (an optional library)."""
    path = package / rel
    try:
        tree = ast.parse(path.read_bytes(), str(path), feature_version=NODE_PYTHON)
    except SyntaxError as exc:
        raise ShippingError(
            f"{PACKAGE_NAME}/{rel} (line {exc.lineno}) is not Python {_version(NODE_PYTHON)} "
            f"({exc.msg}): it ships to render nodes, whose oldest mayapy (Maya 2024) is that "
            "version"
        ) from None
    here = [PACKAGE_NAME, *rel.split("/")[:-1]]  # the file's own package
    for node, guarded in _runtime_nodes(tree, guarded=False):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, False, guarded
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: `.` is the file's own package, `..` its parent
                anchor = here[: len(here) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield base, node.lineno, False, guarded
            for alias in node.names:
                if alias.name != "*":
                    yield f"{base}.{alias.name}", node.lineno, True, guarded


def _version(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))


def _runtime_nodes(tree: ast.AST, *, guarded: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node that may run, and whether an ImportError raised there is caught."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield child, guarded
                yield from _runtime_nodes(child, guarded=guarded)
        elif isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            for child in node.body:
                yield child, True
                yield from _runtime_nodes(child, guarded=True)
            for rest in (*node.handlers, *node.orelse, *node.finalbody):
                yield rest, guarded
                yield from _runtime_nodes(rest, guarded=guarded)
        else:
            yield node, guarded
            yield from _runtime_nodes(node, guarded=guarded)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return caught is None or any(
        isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
        for n in names
    )


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )
