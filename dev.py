#!/usr/bin/env python3
"""Set up and run the project from a fresh clone: `python3 dev.py demo` or `python3 dev.py test`.

Standard library only, so it runs before anything is installed. It makes `.venv`, installs the
package with its dev extra (again only when pyproject.toml changed), installs Azurite from npm
into `.tools/` when a command needs it, then runs the command inside the venv.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
TOOLS = ROOT / ".tools"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
DEMO_SCENE = ROOT / "examples" / "shot010" / "scenes" / "shot010_lighting.ma"


def _stamp(*files: Path) -> str:
    digest = hashlib.sha256()
    for f in files:
        if f.exists():
            digest.update(f.read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    if not PYTHON.exists():
        print("dev.py: creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp_file = VENV / ".installed"
    stamp = _stamp(ROOT / "pyproject.toml")
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    print("dev.py: installing the package and its dev tools into .venv", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
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


def run(*cmd: str) -> int:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    return subprocess.run(list(cmd), cwd=ROOT, env=env).returncode


def test(extra: list[str]) -> int:
    """The whole suite: ruff, mypy, then pytest (benchmarks excluded)."""
    steps = [
        ("ruff", [str(BIN / "ruff"), "check", "."]),
        ("ruff format", [str(BIN / "ruff"), "format", "--check", "."]),
        ("mypy", [str(BIN / "mypy")]),
        ("pytest", [str(PYTHON), "-m", "pytest", *extra]),
    ]
    for name, cmd in steps:
        print(f"dev.py: {name}", flush=True)
        code = run(*cmd)
        if code != 0:
            print(f"dev.py: {name} failed (exit {code})", flush=True)
            return code
    return 0


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


def bench(extra: list[str]) -> int:
    """Benchmarks print figures; they are not part of `test`."""
    return run(str(PYTHON), "-m", "pytest", "tests/bench", "-s", "-p", "no:cacheprovider", *extra)


COMMANDS = {"test": test, "demo": demo, "bench": bench, "local": local}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(f"usage: python3 dev.py {{{'|'.join(COMMANDS)}}} [args...]", file=sys.stderr)
        return 2
    ensure_venv()
    ensure_azurite()
    return COMMANDS[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
