"""A loopback HTTP server that answers with scripted responses in the Batch service's shape.

It stands in for Azure (never for our code) where a real answer is needed that the local pool
will not give on demand: quota, throttling, a dropped connection.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from azure.batch import BatchClient

from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings

KEY = base64.b64encode(b"k" * 64).decode()
ERROR_METADATA = (
    "https://{account}.eastus2.batch.azure.com/$metadata#"
    "Microsoft.Azure.Batch.Protocol.Entities.Container.errors/@Element"
)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


def batch_error(status: int, code: str, text: str, values: dict[str, str] | None = None) -> Reply:
    """An error exactly as the Batch service words them (see shared/batch-reference)."""
    request_id = str(uuid.uuid4())
    body: dict[str, Any] = {
        "odata.metadata": ERROR_METADATA.format(account="batch"),
        "code": code,
        "message": {
            "lang": "en-US",
            "value": f"{text}\nRequestId:{request_id}\nTime:2026-01-22T20:18:17.6076943Z",
        },
    }
    if values:
        body["values"] = [{"key": k, "value": v} for k, v in values.items()]
    return Reply(status, body, {"request-id": request_id})


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class ScriptedServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                    reply = server.replies.pop(0) if server.replies else Reply(500, None)
                if reply.drop:
                    self.close_connection = True
                    self.connection.close()
                    return
                content = reply.body(json.loads(body)) if callable(reply.body) else reply.body
                data = b"" if content is None else json.dumps(content).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json; odata=minimalmetadata")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("DataServiceVersion", "3.0")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.replies = list(replies)
            self.seen = []

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def batch_client(url: str, account: str = "render", **options: Any) -> BatchClient:
    """A real BatchClient for the scripted server: shared key, no retries."""
    settings = ServiceSettings(batch_url=url, batch_account=account)
    return create_batch_client(
        settings, Secrets(batch_key=KEY), options=ClientOptions(retry_total=0), **options
    )
