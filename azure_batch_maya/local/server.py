"""The local pool's HTTP server on 127.0.0.1, and its command line.

`python -m azure_batch_maya.local.server --data DIR [--port N] [--slots N] [--azurite]` serves
the Batch REST API (`--autoscale-interval-floor` and `--autoscale-sample-period` shorten
Azure's 5-minute shortest autoscale interval and 30-second sample period, for tests) and
prints one JSON line (`batch_url`, `batch_account`, `batch_key`, `pid`,
and with `--azurite` the `storage_connection_string` of an Azurite it starts and stops with
itself, keeping blobs in `DIR/azurite`) once it listens. Both listen where they did at the last
start (`DIR/endpoints.json`, see `endpoints`) unless told otherwise. The account key is a
throwaway made for this local pool and kept, with 0600 permissions, in `DIR/account.json`:
acceptable for a service that only listens on loopback.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import secrets
import signal
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from azure_batch_maya.local.api import BatchApi
from azure_batch_maya.local.auth import Credentials
from azure_batch_maya.local.config import PoolConfig
from azure_batch_maya.local.endpoints import (
    Endpoints,
    PortTaken,
    check_free,
    choose_port,
    read_endpoints,
    write_endpoints,
)
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.rest import Reply, error_reply
from azure_batch_maya.local.scheduler import Engine
from azure_batch_maya.local.store import Store
from azure_batch_maya.system.processes import try_lock

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
DEFAULT_ACCOUNT = "localpool"
_CHUNK = 64 * 1024


def private_folder(folder: Path) -> None:
    """Make the data folder readable by this user only: tasks' specs and state hold SAS URLs.

    On Windows the folder sits in the user's own profile (see `home_dir`), whose ACL already
    keeps other users out; `chmod` there only sets the read-only flag, so it is left alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        folder.chmod(0o700)


def load_credentials(data_dir: Path, account: str | None, bearer: str | None) -> Credentials:
    """The account name and key of this data folder, made on first use (file mode 0600)."""
    path = data_dir / "account.json"
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if account is None or account == stored["account_name"]:
            return Credentials(stored["account_name"], stored["account_key"], bearer)
    name = account or DEFAULT_ACCOUNT
    key = base64.b64encode(secrets.token_bytes(64)).decode("ascii")
    data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump({"account_name": name, "account_key": key}, handle)
    return Credentials(name, key, bearer)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Small responses written back to back would otherwise wait on delayed ACKs (~40 ms).
    disable_nagle_algorithm = True
    server: LocalPoolServer

    def version_string(self) -> str:
        return "Microsoft-HTTPAPI/2.0"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        request_id = str(uuid.uuid4())
        raw_path, _, raw_query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        api = self.server.api
        try:
            reply = api.handle(self.command, raw_path, raw_query, headers, body)
        except BatchServiceError as error:
            reply = error_reply(api.base, error, request_id, head=self.command == "HEAD")
        except Exception:
            log.exception("request %s %s failed", self.command, self.path)
            reply = error_reply(
                api.base, BatchServiceError("InternalError"), request_id, head=False
            )
        self._send(reply, request_id, headers)

    def _send(self, reply: Reply, request_id: str, request_headers: dict[str, str]) -> None:
        """Write the whole response in one go: status line, headers, (chunked) body."""
        self.log_request(reply.status)
        if reply.body is not None:
            payload = json.dumps(reply.body, separators=(",", ":")).encode("utf-8")
            content_type = "application/json; odata=minimalmetadata"
        else:
            payload = reply.content or b""
            content_type = reply.headers.get("Content-Type", "")
        headers = dict(reply.headers)
        if content_type:
            headers["Content-Type"] = content_type
        headers.update(
            {
                "request-id": request_id,
                "DataServiceVersion": "3.0",
                "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
                "X-Content-Type-Options": "nosniff",
            }
        )
        if request_headers.get("return-client-request-id", "").lower() == "true":
            headers["client-request-id"] = request_headers.get("client-request-id", "")
        chunked = not reply.length_framed and self.command != "HEAD"
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers.setdefault("Content-Length", str(len(payload)))
        reason = self.responses.get(reply.status, ("",))[0]
        head = [
            f"{self.protocol_version} {reply.status} {reason}",
            f"Server: {self.version_string()}",
            f"Date: {self.date_time_string()}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        out = bytearray(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if self.command == "HEAD":
            self.wfile.write(out)
            return
        if not chunked:
            self.wfile.write(out + payload)
            return
        pieces = reply.chunks if reply.chunks is not None else [payload]
        for piece in pieces:
            if piece:
                out += f"{len(piece):X}\r\n".encode() + piece + b"\r\n"
            if len(out) >= _CHUNK:
                self.wfile.write(out)
                out = bytearray()
        self.wfile.write(out + b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class LocalPoolServer(ThreadingHTTPServer):
    """The HTTP side: one thread per connection, the API and engine behind it."""

    daemon_threads = True

    def __init__(self, port: int, api_factory: Any) -> None:
        super().__init__((HOST, port), _Handler)
        self.api: BatchApi = api_factory(f"http://{HOST}:{self.server_address[1]}")


def build(
    data_dir: Path,
    *,
    port: int,
    slots: int,
    account: str | None,
    bearer: str | None,
    autoscale_interval_floor: float = 300.0,
    autoscale_sample_period: float = 30.0,
) -> tuple[LocalPoolServer, Engine, Credentials]:
    """A ready server (not yet serving) with its engine started on the data folder."""
    data_dir.mkdir(parents=True, exist_ok=True)
    credentials = load_credentials(data_dir, account, bearer)
    holder: dict[str, Engine] = {}

    def make_api(base_url: str) -> BatchApi:
        config = PoolConfig(
            credentials.account_name,
            base_url,
            data_dir,
            slots,
            autoscale_interval_floor,
            autoscale_sample_period,
        )
        engine = Engine(Store(data_dir / "state.sqlite"), config)
        holder["engine"] = engine
        return BatchApi(engine, credentials)

    server = LocalPoolServer(port, make_api)
    engine = holder["engine"]
    engine.start()
    return server, engine, credentials


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < seconds <= 300:
        raise argparse.ArgumentTypeError(f"{text} must be more than 0 and at most 300 seconds")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m azure_batch_maya.local.server",
        description="Serve the Batch REST API on 127.0.0.1 and run its tasks on this machine.",
    )
    parser.add_argument("--data", type=Path, required=True, help="folder for state and task files")
    parser.add_argument(
        "--port", type=int, default=None, help="default: the last start's, else a free one (0)"
    )
    parser.add_argument(
        "--azurite-port", type=int, default=None, help="likewise, for Azurite (with --azurite)"
    )
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 1, help="nodes in all")
    parser.add_argument("--account", default=None, help=f"account name (default {DEFAULT_ACCOUNT})")
    parser.add_argument("--bearer-token", default=None, help="also accept this bearer token")
    parser.add_argument("--azurite", action="store_true", help="also run Azurite for storage")
    parser.add_argument(
        "--autoscale-interval-floor",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="shortest autoscale evaluation interval taken (Azure: 300); shorter for tests",
    )
    parser.add_argument(
        "--autoscale-sample-period",
        type=_positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="seconds between autoscale samples of each pool (Azure: 30); shorter for tests",
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    private_folder(args.data)
    # One server per data folder: two would both run the same tasks.
    guard = (args.data / "server.lock").open("a+b")
    if not try_lock(guard):
        sys.stderr.write(f"Another local pool is already serving {args.data}\n")
        return 2
    recorded = read_endpoints(args.data)
    batch_port = choose_port(args.port, recorded.batch_port if recorded else None)
    azurite_port = choose_port(args.azurite_port, recorded.azurite_port if recorded else None)
    try:
        check_free(batch_port, "Batch", recorded=args.port is None)
        if args.azurite:
            check_free(azurite_port, "storage (Azurite)", recorded=args.azurite_port is None)
    except PortTaken as error:
        sys.stderr.write(f"{error}\n")
        return 2
    storage = None
    saved = None
    if args.azurite:
        from azure_batch_maya.local.azurite import AzuriteError, start_azurite
        from azure_batch_maya.local.redelivery import last_saved_ticks, redeliver_outputs

        saved = last_saved_ticks(args.data / "azurite")  # read before Azurite saves again
        try:
            storage = start_azurite(args.data / "azurite", port=azurite_port)
        except AzuriteError as error:
            sys.stderr.write(f"{error.message}\n")
            return 2
    try:
        server, engine, credentials = build(
            args.data,
            port=batch_port,
            slots=args.slots,
            account=args.account,
            bearer=args.bearer_token,
            autoscale_interval_floor=args.autoscale_interval_floor,
            autoscale_sample_period=args.autoscale_sample_period,
        )
    except OSError as error:  # taken between the check and the bind
        if storage is not None:
            storage.stop()
        sys.stderr.write(f"The local pool cannot listen on port {batch_port}: {error}\n")
        return 2
    if saved is not None:
        redeliver_outputs(engine.store, args.data, saved)
    write_endpoints(
        args.data,
        Endpoints(server.server_address[1], storage.port if storage is not None else None),
    )
    stopping = threading.Event()

    def shut_down(_signum: int, _frame: object) -> None:
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shut_down)
    signal.signal(signal.SIGINT, shut_down)
    ready = {
        "batch_url": server.api.base,
        "batch_account": credentials.account_name,
        "batch_key": credentials.account_key,
        "pid": os.getpid(),
    }
    if storage is not None:
        ready["storage_connection_string"] = storage.connection_string
        ready["azurite_pid"] = storage.pid
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        log.info("served %d requests", server.api.requests)
        engine.stop()
        server.server_close()
        engine.store.close()
        if storage is not None:
            storage.stop()
        guard.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
