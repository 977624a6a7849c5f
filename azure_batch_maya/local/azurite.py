"""Start and stop Azurite, the Azure Storage emulator, on a free loopback port.

One helper for tests, the CLI and the demo. Azurite comes from npm: `python3 dev.py test` installs
the version pinned in `tools/azurite/package.json` into `.tools/azurite`.
"""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO

log = logging.getLogger(__name__)

ACCOUNT_NAME = "devstoreaccount1"
# Azurite's well-known development key, published in its README; it guards nothing real.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
HOST = "127.0.0.1"

_REPO = Path(__file__).resolve().parents[2]
_IS_WINDOWS = os.name == "nt"
_LAUNCHER = "azurite-blob.cmd" if _IS_WINDOWS else "azurite-blob"
_MAIN_JS = Path("azurite", "dist", "src", "blob", "main.js")
_START_ATTEMPTS = 3


class AzuriteError(RuntimeError):
    """Azurite is missing or did not start; `code` names the case for logs and callers."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AzuriteProcess:
    """A running Azurite blob service; stop it with `stop()` or use it as a context manager."""

    account_name = ACCOUNT_NAME
    account_key = ACCOUNT_KEY

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, output: IO[bytes], *, https: bool = False
    ) -> None:
        self._process = process
        self._output = output
        self.port = port
        scheme = "https" if https else "http"
        self.blob_endpoint = f"{scheme}://{HOST}:{port}/{ACCOUNT_NAME}"
        self.connection_string = (
            f"DefaultEndpointsProtocol={scheme};AccountName={ACCOUNT_NAME};"
            f"AccountKey={ACCOUNT_KEY};BlobEndpoint={self.blob_endpoint};"
        )

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop Azurite (and, on Windows, any child of a `.cmd` shim); safe to call twice."""
        if self._process.poll() is None:
            log.debug("stopping Azurite pid %d", self._process.pid)
            if _IS_WINDOWS:
                subprocess.run(
                    ["taskkill", "/PID", str(self._process.pid), "/T", "/F"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
            else:
                self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout)
        self._output.close()

    def __enter__(self) -> AzuriteProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"AzuriteProcess(pid={self.pid}, blob_endpoint={self.blob_endpoint!r})"


def find_azurite_blob() -> Path:
    """Find the `azurite-blob` launcher: `AZURITE_BLOB`, then `.tools/azurite`, then PATH."""
    configured = os.environ.get("AZURITE_BLOB")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise AzuriteError(
                "AzuriteNotFound",
                f"AZURITE_BLOB points at {path}, which is not a file; point it at azurite-blob "
                "or unset it to use the project's own copy",
            )
        return path
    local = _REPO / ".tools" / "azurite" / "node_modules" / ".bin" / _LAUNCHER
    if local.is_file():
        return local
    found = shutil.which("azurite-blob")
    if found:
        return Path(found)
    raise AzuriteError(
        "AzuriteNotFound",
        "Azurite (the storage emulator) is not installed: run `python3 dev.py test` from the "
        "repository (it installs it into .tools/azurite), or `npm install -g azurite`, or set "
        "AZURITE_BLOB to the azurite-blob launcher",
    )


def azurite_command(launcher: Path) -> list[str]:
    """The argv that runs this launcher: `node main.js` when the script is found, else itself."""
    script = _main_script(launcher)
    node = shutil.which("node")
    if script is not None and node is not None:
        return [node, str(script)]
    if launcher.suffix.lower() in {".cmd", ".bat", ".exe"} or node is None:
        return [str(launcher)]
    return [node, str(launcher)]


def _main_script(launcher: Path) -> Path | None:
    if launcher.suffix.lower() == ".js":
        return launcher
    resolved = launcher.resolve()
    if resolved.suffix.lower() == ".js":
        return resolved
    # npm shims: node_modules/.bin/azurite-blob(.cmd) locally, <prefix>/azurite-blob.cmd globally.
    for base in (launcher.parent.parent, launcher.parent / "node_modules"):
        candidate = base / _MAIN_JS
        if candidate.is_file():
            return candidate
    return None


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start_azurite(
    data_dir: Path | None = None,
    *,
    port: int = 0,
    timeout: float = 30.0,
    tls: tuple[Path, Path] | None = None,
    oauth: bool = False,
) -> AzuriteProcess:
    """Start Azurite's blob service on 127.0.0.1 and wait until it accepts connections.

    With `data_dir` the blobs persist there; without, they live in memory. `port=0` picks a free
    port (retrying if another process takes it first). `tls=(cert, key)` serves HTTPS, which
    `oauth=True` (accept Entra ID bearer tokens, checked loosely) requires.
    """
    if oauth and tls is None:
        raise AzuriteError("AzuriteOAuthNeedsTls", "Azurite accepts bearer tokens only over HTTPS")
    command = azurite_command(find_azurite_blob())
    if tls is not None:
        command += ["--cert", str(tls[0]), "--key", str(tls[1])]
    if oauth:
        command += ["--oauth", "basic"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    attempts = _START_ATTEMPTS if port == 0 else 1
    last_error: AzuriteError | None = None
    for _ in range(attempts):
        chosen = port or free_port()
        try:
            return _start_once(command, data_dir, chosen, timeout, https=tls is not None)
        except AzuriteError as error:
            last_error = error
            log.debug("Azurite did not start on port %d: %s", chosen, error)
    assert last_error is not None
    raise last_error


def _start_once(
    command: list[str], data_dir: Path | None, port: int, timeout: float, *, https: bool
) -> AzuriteProcess:
    args = [
        *command,
        "--blobHost",
        HOST,
        "--blobPort",
        str(port),
        "--skipApiVersionCheck",
        "--loose",
        "--disableTelemetry",
        "--silent",
    ]
    args += ["--location", str(data_dir)] if data_dir is not None else ["--inMemoryPersistence"]
    output = tempfile.TemporaryFile()  # noqa: SIM115 (AzuriteProcess.stop closes it)
    log.debug("starting Azurite: %s", args)
    process = subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        cwd=str(data_dir) if data_dir is not None else None,
    )
    azurite = AzuriteProcess(process, port, output, https=https)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = _read_output(output)
            azurite.stop()
            raise AzuriteError(
                "AzuriteExited",
                f"Azurite exited with code {process.returncode} while starting on port {port}: "
                f"{text or 'no output'}",
            )
        if _answers_as_azurite(port, https=https):
            log.info("Azurite listening at %s (pid %d)", azurite.blob_endpoint, azurite.pid)
            return azurite
        time.sleep(0.05)
    azurite.stop()
    raise AzuriteError(
        "AzuriteTimeout",
        f"Azurite did not accept connections on {HOST}:{port} within {timeout:.0f} s; "
        "check that Node.js 18+ is installed and the port is free",
    )


def _answers_as_azurite(port: int, *, https: bool) -> bool:
    """True once Azurite itself answers HTTP here (not some other process that took the port)."""
    connection: http.client.HTTPConnection
    if https:
        # Only asks who is listening on our own loopback port; the certificate is the caller's.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(HOST, port, timeout=1.0, context=context)
    else:
        connection = http.client.HTTPConnection(HOST, port, timeout=1.0)
    try:
        connection.request("GET", f"/{ACCOUNT_NAME}?comp=list")
        response = connection.getresponse()
        response.read()
        return response.getheader("Server", "").startswith("Azurite")
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _read_output(output: IO[bytes]) -> str:
    output.seek(0)
    return output.read().decode("utf-8", errors="replace").strip()[-2000:]
