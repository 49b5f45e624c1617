"""A small loopback HTTP proxy in front of a test wiki: it counts requests and breaks some.

The client under test talks to the proxy as if it were the wiki. Each request is
recorded (path and query, decoded); the proxy can hold a request, answer it itself (an
HTTP error with ``Retry-After``, broken JSON, an API error, a redirect to another
host), or call a hook first (to kill the client at its n-th request).
"""

from __future__ import annotations

import dataclasses
import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from mediawiki import free_port


@dataclasses.dataclass
class Fault:
    """What the proxy does instead of (or before) forwarding one request."""

    status: int | None = None  # answer with this status and ``body``
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    body: bytes = b""
    delay: float = 0.0  # wait this long, then forward (or answer)


@dataclasses.dataclass
class Seen:
    method: str
    path: str
    params: dict[str, str]
    user_agent: str
    at: float = dataclasses.field(default_factory=time.monotonic)


class Proxy:
    def __init__(self, upstream: str):
        parts = urllib.parse.urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: list[Seen] = []
        #: faults for the next requests, in order; each is used once
        self.faults: list[Fault] = []
        #: a fault for every request (after ``faults`` are used up)
        self.always: Fault | None = None
        #: faults for every request whose path ends with the key (a file's name)
        self.by_path: dict[str, Fault] = {}
        #: called with the 1-based number of each request before it is answered
        self.hook: Callable[[int], None] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api.php"

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.seen.clear()
            self.faults.clear()
            self.always = None
            self.by_path.clear()
            self.hook = None
            self.max_in_flight = 0

    def queries(self) -> list[dict[str, str]]:
        return [s.params for s in self.seen if s.path.endswith("api.php")]

    def _next(self, seen: Seen) -> tuple[int, Fault | None]:
        with self._lock:
            self.seen.append(seen)
            number = len(self.seen)
            fault = next((f for end, f in self.by_path.items() if seen.path.endswith(end)), None)
            if fault is None:
                fault = self.faults.pop(0) if self.faults else self.always
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return number, fault

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(parts.query))
                if body and "form-urlencoded" in self.headers.get("Content-Type", ""):
                    params.update(urllib.parse.parse_qsl(body.decode()))
                seen = Seen(self.command, parts.path, params, self.headers.get("User-Agent", ""))
                number, fault = proxy._next(seen)
                try:
                    if proxy.hook is not None:
                        proxy.hook(number)
                    if fault is not None and fault.delay:
                        time.sleep(fault.delay)
                    if fault is not None and fault.status is not None:
                        self._answer(fault.status, fault.headers, fault.body)
                    else:
                        self._forward(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    proxy._done()

            def _answer(self, status: int, headers: dict[str, str], body: bytes):
                self.send_response(status)
                if not any(name.lower() == "content-type" for name in headers):
                    headers = {"Content-Type": "application/json; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _forward(self, body: bytes):
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    headers = {
                        k: v
                        for k, v in self.headers.items()
                        if k.lower() in {"user-agent", "accept-encoding", "content-type"}
                    }
                    connection.request(self.command, self.path, body=body or None, headers=headers)
                    answer = connection.getresponse()
                    data = answer.read()
                    passed = {
                        k: v
                        for k, v in answer.getheaders()
                        if k.lower() in {"content-type", "content-encoding", "retry-after"}
                    }
                    self._answer(answer.status, passed, data)
                finally:
                    connection.close()

            do_GET = _serve
            do_POST = _serve

        return Handler
