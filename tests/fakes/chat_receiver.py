"""A chat platform's callback endpoint on 127.0.0.1, as docs/channels.md tells a
receiver to be: it checks the signature and the timestamp, drops a repeat by its
Idempotency-Key, and keeps the events it accepted in arrival order.

Failures are scripted per request: `fail(500)`, `fail(429, headers={"Retry-After":
"30"})`, `stall()` (accept the event, answer after `stall_seconds`: the sender times
out and sends it again), and `stop()` / `start()` (nothing listens: refused)."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300


def verify(secret: str, headers, body: bytes) -> dict:
    """The receiving side's check, as in docs/channels.md (raises ValueError)."""
    timestamp = headers["X-Helpdesk-Timestamp"]
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    given = headers["X-Helpdesk-Signature"].removeprefix("v1=")
    if not hmac.compare_digest(expected, given):
        raise ValueError("bad signature")
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        raise ValueError("stale timestamp")
    return json.loads(body)


class ChatReceiver:
    def __init__(self, secret: str):
        self.secret = secret
        self.lock = threading.Lock()
        self.accepted: list[dict] = []  # events taken, first time each, in order
        self.requests = 0
        self.repeats = 0  # requests whose Idempotency-Key was already taken
        self.rejected = 0  # bad signature or timestamp
        self.log: list[tuple[float, str, int]] = []  # (time, key, status answered)
        self.script: list[tuple] = []
        self.stall_seconds = 1.0
        self.port = 0
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/helpdesk"

    def start(self) -> "ChatReceiver":
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def fail(self, status: int, times: int = 1, headers: dict | None = None) -> None:
        self.script += [("status", status, headers or {})] * times

    def stall(self, times: int = 1) -> None:
        self.script += [("stall",)] * times

    def keys(self) -> list[str]:
        return [event["id"] for event in self.accepted]

    def _take(self, headers, body: bytes) -> tuple[int, dict]:
        with self.lock:
            self.requests += 1
            step = self.script.pop(0) if self.script else None
            key = headers.get("Idempotency-Key", "")
            if step and step[0] == "status":
                self.log.append((time.time(), key, step[1]))
                return step[1], step[2]
            self.log.append((time.time(), key, 200))
            try:
                event = verify(self.secret, headers, body)
            except (KeyError, ValueError):
                self.rejected += 1
                return 401, {}
            if headers.get("Idempotency-Key") in self.keys():
                self.repeats += 1
            else:
                self.accepted.append(event)
        if step and step[0] == "stall":
            time.sleep(self.stall_seconds)
        return 200, {}

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                return

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, headers = receiver._take(self.headers, body)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    return  # the sender gave up waiting (a stall)

        return Handler
