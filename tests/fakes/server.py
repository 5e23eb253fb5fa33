"""A small threaded HTTP server on 127.0.0.1 (random port) that the platform fakes
plug their routes into, with switchable failures:

- `fail(status, times=1, headers=None)`: the next requests answer `status` (429 with
  Retry-After, 500, 401, 422 ...) without touching the fake's state;
- `lose(times=1)`: the request is carried out, then the connection is dropped before
  any answer ("created remotely but the response was lost");
- `stall(times=1)`: the answer comes after `stall_seconds` (a client timeout);
- `slow(seconds)`: the request is carried out after `seconds` (a worker can be
  killed while it waits: the effect still happens, the answer is never read);
- `down = True`: every request answers 503 until switched back.

Strict like the platforms: before a route runs, `check_request` refuses what the
platform refuses (credentials in the platform's scheme, a JSON content type on
bodies, unreadable JSON), and `limit(group, requests, seconds)` answers the
platform's own 429 (status, body and headers) once a group of endpoints is over
its documented rate. Every request is logged with its arrival time (`log`) and
in full (`received`: method, path, query, body, headers), so tests can measure
the rate and check what was sent. `multipart(headers, raw)` reads an upload's
form fields and files.
"""

import json
import threading
import time
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeError(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _json(raw: bytes):
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        raise FakeError(400, {"error": "Unparseable JSON body"}) from None


def multipart(headers, raw: bytes) -> tuple[dict[str, str], dict[str, tuple]]:
    """The form fields and files ({field: (filename, bytes, content type)}) of a
    multipart/form-data body; 400 when it is not one."""
    kind = headers.get("Content-Type") or ""
    if not kind.startswith("multipart/form-data"):
        raise FakeError(400, {"error": "multipart/form-data expected"})
    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {kind}\r\n\r\n".encode() + raw
    )
    fields, files = {}, {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        filename = part.get_filename()
        if filename is None:
            fields[name] = part.get_content()
        else:
            data = part.get_payload(decode=True)
            files[name] = (filename, data, part.get_content_type())
    return fields, files


def unknown_params(query: dict, allowed: set[str], error) -> None:
    """Raise `error(names)` (a FakeError) for query parameters the endpoint does
    not document."""
    extra = sorted(set(query) - allowed)
    if extra:
        raise error(extra)


class FakePlatform:
    """Subclasses set `prefix`, implement `route(method, path, query, body)`
    returning (status, json body), `check_auth(headers)`, `rate_group(method,
    path)` and `too_many(wait)` (the platform's 429)."""

    prefix = ""

    def __init__(self, credentials: dict | None = None):
        # None: any well-formed credential in the platform's scheme is accepted.
        self.credentials = credentials
        self.lock = threading.RLock()
        self.log: list[tuple[float, str, str]] = []
        self.received: list[dict] = []
        self.limits: dict[str, tuple[int, float]] = {}
        self._hits: dict[str, list[float]] = {}
        self.script: list[tuple] = []
        self.down = False
        self.stall_seconds = 1.5
        self._last_stamp = 0.0
        self._ids = 1000
        self.current_headers = {}  # of the request being routed (uploads read it)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )

    # --- lifecycle ---

    def start(self) -> "FakePlatform":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{self.prefix}"

    # --- failures ---

    # Each failure hits the next request(s), or only those matching `on`
    # ("POST /tickets": method and path start, after the API prefix).

    def fail(
        self, status: int, times: int = 1, headers: dict | None = None, on: str = ""
    ) -> None:
        self.script += [(on, "status", status, headers or {})] * times

    def lose(self, times: int = 1, on: str = "") -> None:
        self.script += [(on, "lose")] * times

    def stall(self, times: int = 1, on: str = "") -> None:
        self.script += [(on, "stall")] * times

    def slow(self, seconds: float, times: int = 1, on: str = "") -> None:
        self.script += [(on, "slow", seconds)] * times

    def limit(self, group: str, requests: int, seconds: float) -> None:
        """Answer 429 the platform's way past `requests` per `seconds` in `group`."""
        self.limits[group] = (requests, seconds)

    def _over_limit(self, method: str, path: str, now: float) -> None:
        group = self.rate_group(method, path)
        if group not in self.limits:
            return
        requests, seconds = self.limits[group]
        hits = [t for t in self._hits.get(group, []) if now - t < seconds]
        if len(hits) >= requests:
            self._hits[group] = hits
            raise self.too_many(seconds - (now - hits[0]))
        self._hits[group] = [*hits, now]

    def rate_group(self, method: str, path: str) -> str:
        return "default"

    def too_many(self, wait: float) -> FakeError:  # pragma: no cover - overridden
        return FakeError(429, {"error": "too many requests"})

    def check_auth(self, headers) -> None:  # pragma: no cover - overridden
        return None

    # "METHOD /path" of the endpoints whose bodies are not JSON (file uploads,
    # checked by their routes, which get the raw bytes) and of those that take no
    # credentials (a presigned upload form).
    raw_bodies: frozenset[str] = frozenset()
    unauthenticated: frozenset[str] = frozenset()

    def check_request(self, method: str, path: str, headers, raw: bytes) -> None:
        """What every endpoint of the platform refuses before routing."""
        if f"{method} {path}" not in self.unauthenticated:
            self.check_auth(headers)
        if f"{method} {path}" in self.raw_bodies:
            return
        if raw and "application/json" not in (headers.get("Content-Type") or ""):
            raise FakeError(415, {"error": "Unsupported Media Type"})

    def requests_matching(self, method: str, path_start: str) -> list[dict]:
        """The full requests (method, path, query, body, headers) sent so far."""
        return [
            r
            for r in self.received
            if r["method"] == method and r["path"].startswith(path_start)
        ]

    def _next_step(self, method: str, path: str) -> tuple | None:
        for index, step in enumerate(self.script):
            on = step[0]
            if not on or f"{method} {path}".startswith(on):
                return self.script.pop(index)[1:]
        return None

    # --- helpers for routes ---

    def next_id(self) -> int:
        self._ids += 1
        return self._ids

    def stamp(self) -> str:
        """A strictly increasing UTC timestamp (ISO 8601)."""
        now = max(time.time(), self._last_stamp + 0.001)
        self._last_stamp = now
        return datetime.fromtimestamp(now, tz=UTC).isoformat()

    def requests_to(self, method: str, path_start: str) -> list[str]:
        return [
            path
            for _, m, path in self.log
            if m == method and path.removeprefix(self.prefix).startswith(path_start)
        ]

    def max_in_window(self, seconds: float) -> int:
        """The most requests that arrived within any `seconds`-long window."""
        times = sorted(t for t, _, _ in self.log)
        best = start = 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def route(self, method, path, query, body):  # pragma: no cover - overridden
        raise FakeError(404, {"error": "not found"})

    # --- the HTTP side ---

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: with Nagle on, the body
            # waits for the client's delayed ACK (40 ms a request on Linux), a
            # stall no real platform has.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                return

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                with fake.lock:
                    fake.log.append((time.time(), method, parts.path))
                    step = fake._next_step(method, parts.path.removeprefix(fake.prefix))
                    down = fake.down
                if down:
                    return self._send(503, {"error": "down"})
                if step and step[0] == "status":
                    return self._send(step[1], {"error": "scripted"}, step[2])
                if step and step[0] == "stall":
                    time.sleep(fake.stall_seconds)
                    return self._send(504, {"error": "stalled"})
                if step and step[0] == "slow":
                    time.sleep(step[1])
                path = parts.path.removeprefix(fake.prefix)
                query = {
                    k: v[0]
                    for k, v in parse_qs(parts.query, keep_blank_values=True).items()
                }
                headers = {}
                request = {"method": method, "path": path, "query": query}
                request |= {"body": raw, "headers": dict(self.headers)}
                try:
                    with fake.lock:
                        fake.received.append(request)
                        fake.current_headers = self.headers
                        fake.check_request(method, path, self.headers, raw)
                        raw_body = f"{method} {path}" in fake.raw_bodies
                        request["body"] = body = raw if raw_body else _json(raw)
                        fake._over_limit(method, path, time.time())
                        status, payload = fake.route(method, path, query, body)
                except FakeError as exc:
                    status, payload, headers = exc.status, exc.body, exc.headers
                if step and step[0] == "lose":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return None
                return self._send(status, payload, headers)

            def _send(self, status, payload, headers=None):
                # A route answers bytes for a file download, else JSON.
                kind = "application/octet-stream"
                if not isinstance(payload, bytes):
                    kind, payload = "application/json", json.dumps(payload).encode()
                data = b"" if status == 204 else payload
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                try:
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up waiting

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def do_PUT(self):
                self._serve("PUT")

            def do_PATCH(self):
                self._serve("PATCH")

            def do_DELETE(self):
                self._serve("DELETE")

        return Handler
