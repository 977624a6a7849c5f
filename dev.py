#!/usr/bin/env python3
"""Set up and run the project from a fresh clone: `python3 dev.py demo` or `python3 dev.py test`.

Standard library only, so it runs before anything is installed. It makes `.venv`, installs the
package with its dev extra at the versions pinned in tools/pip/ (again only when either file
changed), installs Azurite from npm into `.tools/` when a command needs it, then runs the command
inside the venv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYSIDE2 = ROOT / ".venv-pyside2"
TOOLS = ROOT / ".tools"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
PYTHON_PYSIDE2 = VENV_PYSIDE2 / PYTHON.relative_to(VENV)
PYSIDE2_TESTS = ["tests/ui", "tests/plugin"]
DEMO_SCENE = ROOT / "examples" / "shot010" / "scenes" / "shot010_lighting.ma"


def _stamp(*files: Path) -> str:
    digest = hashlib.sha256()
    for f in files:
        if f.exists():
            digest.update(f.read_bytes())
    return digest.hexdigest()


def ensure_venv(folder: Path = VENV, extra: str = "dev") -> None:
    """A venv with the package (editable) and one of its extras, redone when pyproject changes."""
    python = folder / PYTHON.relative_to(VENV)
    if not python.exists():
        print(f"dev.py: creating {folder.name}", flush=True)
        venv.EnvBuilder(with_pip=True).create(folder)
    stamp_file = folder / ".installed"
    constraints = ROOT / "tools" / "pip" / f"{extra}.txt"  # the versions the suite passed with
    stamp = _stamp(ROOT / "pyproject.toml", constraints)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print(f"dev.py: installing the package and its {extra} extra into {folder.name}", flush=True)
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-c", str(constraints), "-e", f"{ROOT}[{extra}]"], check=True)
    stamp_file.write_text(stamp)


def ensure_azurite() -> None:
    """Install Azurite (the storage emulator) from npm into `.tools/`, as tools/azurite pins it."""
    manifest = ROOT / "tools" / "azurite" / "package.json"
    if not manifest.exists():
        return
    TOOLS.mkdir(exist_ok=True)
    target = TOOLS / "azurite"
    stamp_file = target / ".installed"
    stamp = _stamp(manifest)
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("dev.py: npm not found; install Node.js 18+ (it brings npm) and run this again")
    target.mkdir(exist_ok=True)
    shutil.copy2(manifest, target / "package.json")
    print("dev.py: installing Azurite from npm into .tools/azurite", flush=True)
    subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, check=True
    )
    stamp_file.write_text(stamp)


def run(*cmd: str, folder: Path = VENV, env: dict[str, str] | None = None) -> int:
    merged = {**os.environ, **(env or {})}
    merged["PATH"] = f"{folder / BIN.name}{os.pathsep}{merged.get('PATH', '')}"
    merged["VIRTUAL_ENV"] = str(folder)
    return subprocess.run(list(cmd), cwd=ROOT, env=merged).returncode


def pytest(python: Path, *args: str, folder: Path = VENV, env: dict[str, str] | None = None) -> int:
    """pytest, with every thread's Python stack kept if the process crashes (a Qt abort, a
    segfault) and printed here last, where a log cut to its tail still shows it. The file is
    written only by a crash; a crash's exit code is negative on POSIX, an NTSTATUS on Windows."""
    fd, name = tempfile.mkstemp(prefix="dev-pytest-crash-", suffix=".log")
    os.close(fd)
    crash = Path(name)
    try:
        code = run(
            str(python),
            "-m",
            "pytest",
            "-p",
            "no:faulthandler",  # tests/conftest.py enables it into the file instead
            *args,
            folder=folder,
            env={**(env or {}), "DEV_CRASH_LOG": name},
        )
        stacks = crash.read_text("utf-8", errors="replace").strip()
        if code != 0 and stacks:
            print(f"dev.py: pytest crashed (exit {code}); its threads' stacks:", flush=True)
            print(stacks, flush=True)
        return code
    finally:
        crash.unlink(missing_ok=True)


def qt_selection(extra: list[str]) -> list[str]:
    """The chosen tests (`dev.py test tests/ui/test_views.py::x`) that are UI or plug-in
    tests: those run again under PySide2, like the whole suite's."""
    roots = [(ROOT / p).resolve() for p in PYSIDE2_TESTS]
    chosen = []
    for arg in extra:
        if arg.startswith("-"):
            continue
        path = (ROOT / arg.split("::", 1)[0]).resolve()
        if any(path == r or r in path.parents for r in roots):
            chosen.append(arg)  # a UI test, or a folder or file of them
        else:  # a folder holding UI tests (`tests`): those folders
            chosen += [str(r.relative_to(ROOT)) for r in roots if path in r.parents]
    return list(dict.fromkeys(chosen))


def pyside2_tests(selection: list[str] | None = None) -> int:
    """The UI and plug-in tests under PySide2 (Maya 2024's binding), in their own venv.

    PySide2 has no wheels for some machines (Apple silicon, Python 3.12+): there it is skipped
    with a warning, except in CI, where it must run.
    """
    try:
        ensure_venv(VENV_PYSIDE2, "pyside2")
    except subprocess.CalledProcessError:
        if os.environ.get("CI"):
            raise
        print("dev.py: WARNING: PySide2 could not be installed here; its UI run is skipped")
        return 0
    qt5 = {"PYTEST_QT_API": "pyside2", "QT_PREFERRED_BINDING": "PySide2"}
    chosen = selection or PYSIDE2_TESTS
    return pytest(PYTHON_PYSIDE2, "-p", "no:cacheprovider", *chosen, folder=VENV_PYSIDE2, env=qt5)


def test(extra: list[str]) -> int:
    """The whole suite: ruff, mypy, pytest (benchmarks and the slow fault cases excluded: see
    `faults`), the UI and plug-in tests under PySide6 in a process of their own (Qt's threads
    and objects never share one with the other 1,600 tests), then those again under PySide2."""
    if extra:
        runs = [("pytest", extra)]
    else:
        qt_apart = [f"--ignore={p}" for p in PYSIDE2_TESTS]
        runs = [
            ("pytest", ["-m", "not faults", *qt_apart]),
            ("pytest: the UI under PySide6", ["-m", "not faults", *PYSIDE2_TESTS]),
        ]
    steps = [
        ("ruff", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy", [str(BIN / "mypy")]),
    ]
    for name, cmd in steps:
        print(f"dev.py: {name}", flush=True)
        code = run(*cmd)
        if code != 0:
            print(f"dev.py: {name} failed (exit {code})", flush=True)
            return code
    for name, args in runs:
        print(f"dev.py: {name}", flush=True)
        code = pytest(PYTHON, *args)
        if code != 0:
            print(f"dev.py: {name} failed (exit {code})", flush=True)
            return code
    qt = qt_selection(extra) if extra else []
    if extra and not qt:
        return 0  # a chosen subset with no UI test in it (`dev.py test tests/scene`)
    print("dev.py: pytest under PySide2", flush=True)
    code = pyside2_tests(qt)
    if code != 0:
        print(f"dev.py: pytest under PySide2 failed (exit {code})", flush=True)
    return code


def demo(extra: list[str]) -> int:
    """The main job on the embedded default: the example scene rendered on the local pool.

    It starts the local pool and Azurite when they are not up, submits the bundled example
    with the stand-in renderer (no Maya here), follows the job and downloads the frames.
    """
    library = ROOT / "examples" / "texture_library"
    out = ROOT / "out" / "shot010"
    cmd = [
        "submit",
        str(DEMO_SCENE),
        "--search-path",
        str(library),
        "--local",
        "--stand-in",
        "--wait",
        "--download",
        str(out),
        *extra,
    ]
    code = run(str(PYTHON), "-m", "azure_batch_maya", *cmd)
    if code == 0:
        print(f"dev.py: frames in {out / 'images'}, logs in {out / 'logs'}")
        print("dev.py: the local pool keeps running; stop it with: python3 dev.py local down")
    return code


def local(extra: list[str]) -> int:
    """`azure-batch-maya local ...` from the venv (up, status, down)."""
    return run(str(PYTHON), "-m", "azure_batch_maya", "local", *extra)


def faults(extra: list[str]) -> int:
    """The slow fault-injection cases (SIGKILLs and restarts of the local pool and Azurite,
    storage losing blobs), kept out of `test` for its time budget; CI runs both."""
    return pytest(PYTHON, "tests/faults", "-m", "faults", *extra)


def bench(extra: list[str]) -> int:
    """Benchmarks print figures; they are not part of `test`."""
    return run(str(PYTHON), "-m", "pytest", "tests/bench", "-s", "-p", "no:cacheprovider", *extra)


COMMANDS = {"test": test, "faults": faults, "demo": demo, "bench": bench, "local": local}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    ensure_venv()
    ensure_azurite()
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
