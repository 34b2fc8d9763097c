"""A real HTTP server on 127.0.0.1 (a thread of the test process) for the http handler tests.

Routes (any method): /json, /text, /echo, /status/<code>, /slow, /drip, /big, /redirect?to=<url>.
Every request is recorded, so tests can check what was actually sent.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from engine.handlers.http import FALLBACK_MAX_RESPONSE_BYTES

BIG_BODY = b"x" * (FALLBACK_MAX_RESPONSE_BYTES + 1)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Server:
    base: str
    received: list[Received] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path


class _Routes(BaseHTTPRequestHandler):
    """GET/POST/... /json, /text, /echo, /status/<code>, /slow, /drip, /big, /redirect?to=<url>."""

    server: _RecordingServer

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output clean

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
        parts = urlsplit(self.path)
        route = parts.path
        if route == "/json":
            self._reply(200, b'{"greeting": "hi", "items": [1, 2]}', "application/json")
        elif route == "/text":
            self._reply(200, "caf\u00e9 ok".encode("latin-1"), "text/plain; charset=latin-1")
        elif route == "/echo":
            echo = {
                "method": self.command,
                "body": body.decode(),
                "contentType": self.headers["Content-Type"],
            }
            self._reply(201, json.dumps(echo).encode(), "application/vnd.test+json")
        elif route.startswith("/status/"):
            self._reply(int(route.rsplit("/", 1)[1]), b"the order service is down", "text/plain")
        elif route == "/slow":
            time.sleep(3)
            self._reply(200, b"too late", "text/plain")
        elif route == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):  # one byte every 50 ms: every read succeeds, the whole is too slow
                self.wfile.write(b".")
                self.wfile.flush()
                time.sleep(0.05)
        elif route == "/big":
            self._reply(200, BIG_BODY, "text/plain")
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", parse_qs(parts.query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._reply(404, b"no such route", "text/plain")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            # The client may stop reading (size cap, timeout): that is the point of those tests.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    received: list[Received]


@contextlib.contextmanager
def serving() -> Iterator[Server]:
    httpd = _RecordingServer(("127.0.0.1", 0), _Routes)
    httpd.received = []
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", httpd.received)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
