"""What a render node can do, as one JSON object on stdout: the task `pools check` runs.

Standard library only and self-contained (it is shipped as one file, beside no other code), so
any Python on the node runs it: python3 where the image has one, else mayapy itself. It
reports the OS, where mayapy is and which Maya it is, whether each plug-in loads in it, whether
each licence server answers a TCP connection, the free disk in the working folder and the
GPUs. It judges nothing: the client (`app/pools/check.py`) says what is wrong and what to do.

Run inside mayapy with `--probe-maya`, it starts Maya standalone, loads the plug-ins, and
prints one line `AZBM-PROBE {json}` (Maya prints its own lines around it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
PROBE_MARK = "AZBM-PROBE "
MAYAPY_ENV = "AZBM_MAYAPY"
INSTALL_WRAPPER = ("azbm-install", "bin")  # below AZ_BATCH_NODE_SHARED_DIR (the install route)
CONNECT_TIMEOUT = 3.0
PROBE_TIMEOUT = 300.0
_SERVER = re.compile(r"^(?:(?P<port>\d+)@(?P<host>[^:@;]+)|(?:\w+://)?(?P<h>[^:@;/]+):(?P<p>\d+))$")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="azbm-check", description=__doc__)
    parser.add_argument("--plugin", action="append", default=[], help="a Maya plug-in to load")
    parser.add_argument(
        "--licence-var", action="append", default=[], help="a variable naming licence servers"
    )
    parser.add_argument("--probe-maya", action="store_true", help="(inside mayapy)")
    args = parser.parse_args(argv)
    if args.probe_maya:
        return probe_maya(args.plugin)
    sys.stdout.write(json.dumps(check(args.plugin, args.licence_var, dict(os.environ))) + "\n")
    return 0


def check(plugins: list[str], licence_vars: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Everything the client shows for one node."""
    mayapy, how = find_mayapy(env)
    maya: dict[str, Any] = {"path": mayapy, "how": how, "on_path": _on_path("mayapy", env)}
    if mayapy is not None:
        maya.update(run_probe(mayapy, plugins, env))
    else:
        maya["plugins"] = [{"plugin": p, "loaded": False, "error": "no mayapy"} for p in plugins]
    return {
        "version": FORMAT_VERSION,
        "node_id": env.get("AZ_BATCH_NODE_ID", platform.node()),
        "os": os_info(),
        "python": sys.executable,
        "maya": maya,
        "licences": [licence(name, env.get(name, "")) for name in licence_vars],
        "disk": disk(Path.cwd()),
        "gpus": gpus(),
    }


def os_info() -> dict[str, str]:
    info = {
        "system": platform.system(),
        "release": platform.release(),
        "machine": platform.machine(),
    }
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
        match = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, flags=re.M)
        if match:
            info["distro"] = match.group(1)
    except OSError:
        if info["system"] == "Windows":
            info["distro"] = platform.platform()
    return info


def find_mayapy(env: dict[str, str]) -> tuple[str | None, str]:
    """mayapy and how it was found, in the order the render task looks (and a little wider)."""
    windows = os.name == "nt"
    name = "mayapy.exe" if windows else "mayapy"
    if env.get(MAYAPY_ENV):
        return env[MAYAPY_ENV], MAYAPY_ENV
    location = env.get("MAYA_LOCATION")
    if location and (Path(location) / "bin" / name).is_file():
        return str(Path(location) / "bin" / name), "MAYA_LOCATION"
    shared = env.get("AZ_BATCH_NODE_SHARED_DIR")
    if shared:
        wrapper = Path(shared, *INSTALL_WRAPPER, "mayapy.cmd" if windows else "mayapy")
        if wrapper.is_file():
            return str(wrapper), "installed at node start"
    on_path = _on_path(name, env)
    if on_path:
        return on_path, "PATH"
    if windows:
        base = Path(env.get("ProgramFiles", r"C:\Program Files")) / "Autodesk"
        found = sorted(base.glob(f"Maya*/bin/{name}"))
    else:
        found = sorted(Path("/usr/autodesk").glob("maya*/bin/mayapy"))
        found = found or sorted(Path("/opt/autodesk").glob("maya*/bin/mayapy"))
    if found:
        return str(found[-1]), "the standard install folder"
    return None, ""


def run_probe(mayapy: str, plugins: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Maya's version and each plug-in's load, from a mayapy child running this file."""
    argv = [mayapy, str(Path(__file__).resolve()), "--probe-maya"]
    for plugin in plugins:
        argv += ["--plugin", plugin]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=PROBE_TIMEOUT, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}", "plugins": []}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(PROBE_MARK):
            try:
                result: dict[str, Any] = json.loads(line[len(PROBE_MARK) :])
                return result
            except ValueError:
                break
    tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
    return {"error": f"mayapy exited {done.returncode}: " + " | ".join(tail), "plugins": []}


def probe_maya(plugins: list[str]) -> int:
    """Inside mayapy: start Maya, ask its version, load each plug-in."""
    result: dict[str, Any] = {"plugins": []}
    try:
        import maya.standalone

        maya.standalone.initialize(name="python")
        from maya import cmds

        result["version"] = str(cmds.about(version=True))
        for plugin in plugins:
            try:
                cmds.loadPlugin(plugin, quiet=True)
                result["plugins"].append({"plugin": plugin, "loaded": True})
            except Exception as exc:
                result["plugins"].append({"plugin": plugin, "loaded": False, "error": str(exc)})
    except Exception as exc:
        result["error"] = f"Maya did not start: {type(exc).__name__}: {exc}"
    sys.stdout.write(PROBE_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


def licence(variable: str, value: str) -> dict[str, Any]:
    """Each server named in a licence variable (`port@host`, `host:port`; several by `;`/`:`)."""
    servers = []
    for part in _servers(value):
        match = _SERVER.match(part)
        if not match:
            servers.append({"server": part, "reachable": False, "error": "not port@host"})
            continue
        host = match.group("host") or match.group("h")
        port = int(match.group("port") or match.group("p"))
        servers.append({"server": part, **reach(host, port)})
    return {"variable": variable, "value": value, "servers": servers}


def reach(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> dict[str, Any]:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return {"host": host, "port": port, "reachable": True}
    except OSError as exc:
        return {
            "host": host,
            "port": port,
            "reachable": False,
            "error": str(exc) or type(exc).__name__,
        }


def disk(folder: Path) -> dict[str, Any]:
    usage = shutil.disk_usage(folder)
    return {"path": str(folder), "free_bytes": usage.free, "total_bytes": usage.total}


def gpus() -> dict[str, Any]:
    """NVIDIA GPUs by nvidia-smi (absent: no driver, or no NVIDIA GPU)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return {"nvidia_smi": False, "gpus": []}
    try:
        out = subprocess.run(
            [smi, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return {"nvidia_smi": True, "gpus": [], "error": str(exc)}
    found = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 3:
            found.append({"name": parts[0], "memory": parts[1], "driver": parts[2]})
    return {"nvidia_smi": True, "gpus": found}


def _servers(value: str) -> list[str]:
    """`a;b` (Windows) or `27000@a:27000@b` (FlexLM on Linux) into servers."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    out = []
    for part in parts:
        if "@" in part and ":" in part and not re.search(r"://", part):
            out += [p for p in part.split(":") if p]
        else:
            out.append(part)
    return out


def _on_path(name: str, env: dict[str, str]) -> str | None:
    if os.name == "nt" and not name.endswith(".exe"):
        name += ".exe"
    return shutil.which(name, path=env.get("PATH"))


if __name__ == "__main__":
    sys.exit(main())
