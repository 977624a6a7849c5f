"""A loopback HTTP proxy that injects faults: the network between us and a service, gone bad.

It forwards each request on a fresh upstream connection (`Connection: close`, so the reply is
whatever arrives until the service closes) and applies the first matching `Fault`:

- `drop`: forward the request, read the whole reply, then close without sending it (the
  request was carried out, the reply lost);
- `503`: forward it, then answer 503 instead of the reply (carried out, reply lost);
- `refuse`: answer 503 without forwarding (not carried out);
- `reset`: close the connection with a TCP reset before forwarding;
- `truncate`: forward, then send only the first half of the reply and close;
- `delay`: wait `seconds`, then forward normally.

`seen` records (method, path, what was done) for every request, for tests to count.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

# SO_LINGER on, 0 s: close() then sends a TCP reset (Windows' `linger` holds two u_shorts).
_RESET_ON_CLOSE = struct.pack("HH" if sys.platform == "win32" else "ii", 1, 0)
Kind = Literal["drop", "503", "refuse", "reset", "truncate", "delay"]
_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html\r\nContent-Length: 31\r\n"
    b"Connection: close\r\n\r\n<html>proxy: unavailable</html>"
)


@dataclass
class Fault:
    """What to do to the next `times` requests whose method and path match."""

    kind: Kind
    method: str | None = None
    path: str | None = None  # a substring of the path (the query left out)
    times: int = 1
    seconds: float = 0.0
    after: Callable[[], None] | None = None  # run once the request was forwarded

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


class FaultProxy:
    """Listens on a free loopback port and forwards to `127.0.0.1:target_port`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def count(self, method: str, path: str) -> int:
        """How many requests matching `method` and the path substring came through."""
        with self._lock:
            return sum(1 for m, p, _ in self.seen if m == method and path in p)

    def close(self) -> None:
        self._closed = True
        self._listener.close()

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # Serving
    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _take(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times > 0 and fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def _serve(self, client: socket.socket) -> None:
        reader = _Reader(client)
        try:
            while True:
                request = reader.request()
                if request is None:
                    return
                method, path, raw = request
                fault = self._take(method, path)
                kind = fault.kind if fault else "forwarded"
                with self._lock:
                    self.seen.append((method, path, kind))
                if fault is not None and fault.kind == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET_ON_CLOSE)
                    return
                if fault is not None and fault.kind == "refuse":
                    client.sendall(_UNAVAILABLE)
                    return
                if fault is not None and fault.kind == "delay":
                    time.sleep(fault.seconds)
                reply = self._forward(raw)
                if fault is not None and fault.after is not None:
                    fault.after()
                if fault is not None and fault.kind == "drop":
                    return
                if fault is not None and fault.kind == "503":
                    client.sendall(_UNAVAILABLE)
                    return
                if fault is not None and fault.kind == "truncate":
                    client.sendall(reply[: len(reply) // 2])
                    return
                client.sendall(reply)
        except OSError:
            return
        finally:
            client.close()

    def _forward(self, raw: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.target_port), timeout=60) as upstream:
            upstream.sendall(raw)
            chunks = []
            while chunk := upstream.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


class _Reader:
    """Reads whole HTTP requests off a client connection (Content-Length or chunked)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            if not self._fill():
                raise OSError("client closed mid-request")
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            if not self._fill():
                raise OSError("client closed mid-request")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def request(self) -> tuple[str, str, bytes] | None:
        """(method, path without query, the request to send upstream), None at the end."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        method, target, _ = lines[0].decode("latin-1").split(" ", 2)
        headers = [line for line in lines[1:] if not line.lower().startswith(b"connection:")]
        names = {line.split(b":", 1)[0].strip().lower(): line for line in headers}
        body = b""
        if b"content-length" in names:
            body = self._exactly(int(names[b"content-length"].split(b":", 1)[1]))
        elif b"chunked" in names.get(b"transfer-encoding", b"").lower():
            while True:
                size_line = self._line()
                size = int(size_line.split(b";")[0], 16)
                body += size_line + b"\r\n" + self._exactly(size + 2)
                if size == 0:
                    break
        raw = b"\r\n".join([lines[0], *headers, b"Connection: close"]) + b"\r\n\r\n" + body
        return method, target.split("?", 1)[0], raw
