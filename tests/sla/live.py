"""Start real Celery workers and beats as subprocesses against the test database,
and a TCP relay that stands in for Redis so a test can take Redis away and back."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
DEFAULT_REDIS = "redis://127.0.0.1:6379/2"


def redis_url() -> str:
    """The Redis server of REDIS_URL (default local), database LIVE_REDIS_DB (2):
    the live tests flush it, so it is kept apart from the one the app uses."""
    parts = urlsplit(os.environ.get("REDIS_URL") or DEFAULT_REDIS)
    db = os.environ.get("LIVE_REDIS_DB", "2")
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", "", ""))


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def subprocess_database_url() -> str:
    """The URL of the database this test run uses (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        name = db["NAME"]
        if "memory" in str(name):
            raise RuntimeError("live Celery tests need a file SQLite test database")
        return f"sqlite:///{name}"
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """Celery worker(s) and beat(s) in subprocesses; stopped on exit."""

    def __init__(
        self,
        tmp: Path,
        broker: str,
        *,
        beats: int = 1,
        sweep: int = 1,
        concurrency: int = 2,
        env: dict | None = None,
    ):
        self.tmp = tmp
        self.mail_dir = tmp / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.env = {
            **os.environ,
            "DATABASE_URL": subprocess_database_url(),
            "REDIS_URL": broker,
            "SLA_SWEEP_SECONDS": str(sweep),
            "SNOOZE_SWEEP_SECONDS": str(sweep),
            "NOTIFICATION_SWEEP_SECONDS": str(sweep),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "DB_CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.beats = beats
        self.concurrency = concurrency
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def _start(self, name: str, args: list[str]) -> None:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop
        proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [sys.executable, "-m", "celery", "-A", "helpdesk", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append((name, proc))

    def __enter__(self) -> "Cluster":
        self._start(
            "worker",
            [
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"live-{os.getpid()}@%h",
            ],
        )
        for i in range(self.beats):
            self._start(
                f"beat{i}",
                ["beat", "--loglevel=INFO", "-s", str(self.tmp / f"beat{i}-schedule")],
            )
        return self

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n"
            + (self.tmp / f"{name}.log").read_text(errors="replace")[-4000:]
            for name, _ in self.procs
        )

    def __exit__(self, *exc) -> None:
        for _name, proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def beat_sends(self) -> dict[str, int]:
        """How many tasks each beat sent, from its own log: a test that relies on
        two beats checks that both ran, not only that they were started."""
        return {
            name: (self.tmp / f"{name}.log").read_text().count("Sending due task")
            for name, _ in self.procs
            if name.startswith("beat")
        }

    def pool_children(self) -> list[int]:
        """The pids of the worker's pool processes (the ones that run tasks)."""
        worker = dict(self.procs)["worker"].pid
        path = Path(f"/proc/{worker}/task/{worker}/children")
        return [int(pid) for pid in path.read_text().split()]

    def mails(self) -> str:
        return "".join(p.read_text() for p in sorted(self.mail_dir.iterdir()))


class WebServer:
    """gunicorn serving the project on a free local port against the test database
    (the production web server, sync workers); stopped on exit."""

    def __init__(
        self, tmp: Path, *, workers: int = 1, threads: int = 1, env: dict | None = None
    ):
        self.tmp = tmp
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = ["--workers", str(workers), "--threads", str(threads)]
        self.env = {
            **os.environ,
            "DATABASE_URL": subprocess_database_url(),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "WebServer":
        self._log = open(self.tmp / "gunicorn.log", "wb")  # noqa: SIM115 - closed on exit
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                sys.executable,
                "-m",
                "gunicorn",
                "helpdesk.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                *self.args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, timeout=60, detail=self.logs)
        return self

    def _ready(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def logs(self) -> str:
        return (self.tmp / "gunicorn.log").read_text(errors="replace")[-4000:]

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self._log.close()


def wait_for(
    predicate, timeout: float, cluster: Cluster | None = None, detail=None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    detail = cluster.logs() if cluster else (detail() if detail else "")
    raise AssertionError(f"condition not met within {timeout} s\n{detail}")


class RedisRelay:
    """A TCP relay on a local port to the real Redis: `up()` and `down()` make
    Redis reachable or not for processes that use the relay's URL."""

    def __init__(self, target_url: str):
        parts = urlsplit(target_url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}{parts.path or '/0'}"
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        with self._lock:
            for conn in self._conns:
                with contextlib.suppress(OSError):
                    conn.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.close()
